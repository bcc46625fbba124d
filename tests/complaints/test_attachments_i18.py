"""Attachments on a complaint (issue 18): content checks, re-encoded photos, downloads only for
the company's users, audited, and gone with the complaint's personal data."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from PIL import Image
from sqlalchemy import func, select

from portal.complaints import retention
from portal.complaints.models import Complaint, ComplaintStatus
from portal.complaints.models_extra import ComplaintAttachment
from portal.core.models import AuditEvent
from portal.extensions import db
from tests.conftest import accept_agreement


@pytest.fixture
def logged_in(client, login, member):
    login(client, member)
    return client


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (3000, 2000), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "TelefoonMerk"  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 5.0, 0.0)}  # GPS info
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _post(client, complaint, data: bytes, name: str):
    return client.post(
        f"/mijn-profiel/klachten/{complaint.public_id}/bijlagen",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(ComplaintAttachment)) or 0


def test_photo_is_reencoded_without_metadata_and_downloaded_as_attachment(
    logged_in, member, make_complaint
):
    complaint = make_complaint(member.company)
    raw = _jpeg_with_gps()
    assert b"TelefoonMerk" in raw
    response = _post(logged_in, complaint, raw, "../../lek bij ketel.JPG")
    assert response.status_code == 303
    stored = db.session.scalars(select(ComplaintAttachment)).one()
    assert stored.filename == "lek bij ketel.jpg" and stored.mime == "image/jpeg"
    assert b"TelefoonMerk" not in stored.data
    with Image.open(io.BytesIO(stored.data)) as image:
        assert max(image.size) == 2560 and not image.getexif()
    page = logged_in.get(f"/mijn-profiel/klachten/{complaint.public_id}")
    assert "lek bij ketel.jpg" in page.text and "bijlage toegevoegd" in page.text
    download = logged_in.get(f"/mijn-profiel/klachten/bijlagen/{stored.public_id}")
    assert download.status_code == 200 and download.data == stored.data
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    # Regression: the sandbox the docstring promised (the site's CSP came instead).
    assert download.headers.getlist("Content-Security-Policy") == [
        "sandbox; default-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ]
    assert download.mimetype == "image/jpeg"
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"complaint.attachment_added", "complaint.attachment_downloaded"} <= actions


def test_pdf_is_kept_as_sent(logged_in, member, make_complaint):
    complaint = make_complaint(member.company)
    assert _post(logged_in, complaint, PDF, "offerte.pdf").status_code == 303
    stored = db.session.scalars(select(ComplaintAttachment)).one()
    assert (stored.mime, stored.data, stored.filename) == ("application/pdf", PDF, "offerte.pdf")


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"<html><script>alert(1)</script>", "foto.jpg", "Kies een foto als JPEG, PNG of WebP"),
        (b"%PDF-1.4\nniet af", "brief.pdf", "onvolledig of beschadigd"),
        (b"\xff\xd8\xff\xe0" + b"x" * 200, "kapot.jpg", "geen geldige afbeelding"),
        (b"", "leeg.pdf", "Het bestand is leeg."),
        (b"", "", "Kies een bestand."),
        (b"%PDF-" + b"x" * (5 * 1024 * 1024) + b"%%EOF", "groot.pdf", "te groot"),
    ],
)
def test_refused_files_get_a_dutch_reason(logged_in, member, make_complaint, data, name, message):
    complaint = make_complaint(member.company)
    response = _post(logged_in, complaint, data, name)
    assert response.status_code == 422
    assert message in response.text
    assert _count() == 0


def test_other_company_cannot_reach_attachments(client, login, make_user, member, make_complaint):
    complaint = make_complaint(member.company)
    login(client, member)
    assert _post(client, complaint, PDF, "a.pdf").status_code == 303
    stored = db.session.scalars(select(ComplaintAttachment)).one()
    client.post("/uitloggen")
    stranger = make_user()
    accept_agreement(stranger.company, stranger)
    other = client.application.test_client()
    login(other, stranger)
    assert other.get(f"/mijn-profiel/klachten/bijlagen/{stored.public_id}").status_code == 404
    removed = other.post(f"/mijn-profiel/klachten/bijlagen/{stored.public_id}/verwijderen")
    assert removed.status_code == 404
    assert _post(other, complaint, PDF, "b.pdf").status_code == 404
    assert _count() == 1


def test_remove_attachment(logged_in, member, make_complaint):
    complaint = make_complaint(member.company)
    _post(logged_in, complaint, PDF, "a.pdf")
    stored = db.session.scalars(select(ComplaintAttachment)).one()
    response = logged_in.post(f"/mijn-profiel/klachten/bijlagen/{stored.public_id}/verwijderen")
    assert response.status_code == 303
    assert _count() == 0
    assert "complaint.attachment_removed" in set(db.session.scalars(select(AuditEvent.action)))


def test_retention_and_erasure_remove_attachments(logged_in, member, make_complaint):
    old = make_complaint(member.company, complainant_email="oud@klant.example")
    other = make_complaint(member.company, complainant_email="wis@klant.example")
    for complaint in (old, other):
        assert _post(logged_in, complaint, PDF, "a.pdf").status_code == 303
    old.status = ComplaintStatus.CLOSED
    old.closed_on = date(2023, 1, 5)
    old.closed_at = datetime(2023, 1, 5, tzinfo=UTC)
    db.session.commit()
    retention.purge_expired(now=datetime(2026, 3, 1, tzinfo=UTC), retention_days=730)
    db.session.commit()
    left = db.session.scalars(select(ComplaintAttachment.complaint_id)).all()
    assert left == [other.id]
    exported = retention.export_personal_data("wis@klant.example")
    assert exported[0]["bijlagen"][0]["bestand"] == "a.pdf"
    assert retention.erase_personal_data("wis@klant.example") == 1
    db.session.commit()
    assert _count() == 0
    assert db.session.get(Complaint, other.id) is not None


def test_count_limit_per_complaint(logged_in, member, make_complaint, monkeypatch):
    from portal.complaints import attachments

    monkeypatch.setattr(attachments, "MAX_PER_COMPLAINT", 2)
    complaint = make_complaint(member.company)
    assert [_post(logged_in, complaint, PDF, f"{n}.pdf").status_code for n in range(2)] == [303] * 2
    refused = _post(logged_in, complaint, PDF, "derde.pdf")
    assert refused.status_code == 422
    assert "Een klacht kan hoogstens 2 bijlagen hebben." in refused.text
    assert _post(logged_in, make_complaint(member.company), PDF, "a.pdf").status_code == 303
    assert _count() == 3


def test_company_quota_over_all_complaints(logged_in, member, make_complaint, monkeypatch):
    """Regression: only the number per complaint was limited, not a company's total."""
    from portal.complaints import attachments

    assert attachments.COMPANY_QUOTA_BYTES == 500 * 1024 * 1024
    monkeypatch.setattr(attachments, "COMPANY_QUOTA_BYTES", 2 * len(PDF))
    first, second = make_complaint(member.company), make_complaint(member.company)
    assert _post(logged_in, first, PDF, "a.pdf").status_code == 303
    assert _post(logged_in, second, PDF, "b.pdf").status_code == 303
    refused = _post(logged_in, second, PDF, "c.pdf")
    assert refused.status_code == 422
    assert "De bijlagen van uw bedrijf nemen samen al bijna" in refused.text
    assert _count() == 2
    stored = db.session.scalars(select(ComplaintAttachment)).first()
    logged_in.post(f"/mijn-profiel/klachten/bijlagen/{stored.public_id}/verwijderen")
    assert _post(logged_in, second, PDF, "c.pdf").status_code == 303  # room again


def test_parallel_uploads_do_not_pass_the_count_together(
    app, login, member, make_complaint, monkeypatch
):
    """The count is taken under the company row's lock: of simultaneous uploads to a complaint
    with room for one more file, one is kept."""
    import threading
    import time

    from portal.complaints import attachments

    if db.engine.dialect.name != "postgresql":
        pytest.skip("the in-memory SQLite test database has one shared connection")
    monkeypatch.setattr(attachments, "MAX_PER_COMPLAINT", 1)
    counted = attachments.db.session.scalar

    def slow_scalar(*args, **kwargs):  # widen the window between the check and the insert
        found = counted(*args, **kwargs)
        time.sleep(0.3)
        return found

    monkeypatch.setattr(attachments.db.session, "scalar", slow_scalar)
    url = f"/mijn-profiel/klachten/{make_complaint(member.company).public_id}/bijlagen"
    clients = [app.test_client() for _ in range(3)]
    for client in clients:
        login(client, member)
    barrier = threading.Barrier(3)
    statuses: list[int] = []

    def upload(client):
        barrier.wait()
        data = {"file": (io.BytesIO(PDF), "a.pdf")}
        response = client.post(url, data=data, content_type="multipart/form-data")
        statuses.append(response.status_code)

    threads = [threading.Thread(target=upload, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [303, 422, 422]
    db.session.expire_all()
    assert _count() == 1
