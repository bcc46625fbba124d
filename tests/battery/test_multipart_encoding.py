"""Multipart bodies with bytes that are not UTF-8, on every discovered form (the multipart twin of
test_hostile_inputs.py's test_bytes_that_are_not_utf8_get_the_400_page_on_every_route).

A text field with such a byte gets the Dutch 400 page, as query strings and urlencoded bodies do
(werkzeug used to turn it into U+FFFD and go on); a file part is binary and must stay accepted.
Raw bodies are built here because the test client encodes every str field as UTF-8.
"""

from __future__ import annotations

import io
import os

from PIL import Image

from portal.extensions import db
from portal.members.models import Company
from tests.battery.hostile import ROLE_FOR, Checker, client_for, ordered
from tests.battery.routes import fetch

PAGE_400 = "verzoek kon niet worden verwerkt"
NOT_UTF8 = (b"\xff", b"caf\xe9", b"ok \xc3", b"\xed\xa0\x80")  # lone, latin-1, cut off, surrogate
BINARY = b"\x89PNG\r\n\x1a\n\xff\xfe\x00\xc3(binair)"


def multipart(fields: list[tuple[str, bytes]], files: list[tuple[str, str, bytes]] = ()):
    """A multipart/form-data body with raw bytes as field values; (body, content type)."""
    boundary = "lp" + os.urandom(8).hex()
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value
        for name, value in fields
    ]
    parts += [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        for name, filename, content in files
    ]
    body = b"\r\n".join(parts) + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _post(client, action: str, fields, files=()):
    body, content_type = multipart(fields, files)
    return fetch(client, action, "POST", data=body, content_type=content_type)


def _defaults(form) -> list[tuple[str, bytes]]:
    return [(name, value.encode()) for name, value in form.fields.items()]


def test_a_text_field_that_is_not_utf8_gets_the_400_page_on_every_form(
    battery_app, world, discovered
):
    checker = Checker(battery_app, "hostile-multipart-encoding")
    clients = {role: client_for(battery_app, world, role) for role in set(ROLE_FOR.values())}
    for role, form in ordered(battery_app, discovered):
        if form.method != "POST":
            continue
        target = (form.fuzzable() or ["name"])[0]
        for raw in NOT_UTF8:
            fields = [(n, v) for n, v in _defaults(form) if n != target] + [(target, raw)]
            response = _post(clients[role], form.action, fields)
            checker.cases += 1
            if response.status_code != 400 or PAGE_400 not in response.text:
                checker.problems.append(
                    f"POST {form.action} as {role} {target}={raw!r}: {response.status_code}"
                )
            db.session.rollback()
    checker.record()
    assert checker.cases >= 4 * 20
    assert not checker.problems, "\n".join(checker.problems[:50])


def test_binary_file_parts_are_not_taken_for_text(battery_app, world, discovered):
    """The parser keeps a file part's bytes as sent next to UTF-8 text; every form with a file
    input, given binary content, answers without a 5xx (its own validation may refuse it)."""
    body, content_type = multipart(
        [("naam", "Jürgen".encode())], [("bestand", "b.bin", BINARY), ("leeg", "c.bin", b"")]
    )
    with battery_app.test_request_context("/", method="POST", data=body, content_type=content_type):
        from flask import request

        assert request.form.to_dict() == {"naam": "Jürgen"}
        assert request.files["bestand"].read() == BINARY
        assert request.files["leeg"].read() == b""
    checker = Checker(battery_app, "hostile-multipart-files")
    clients = {role: client_for(battery_app, world, role) for role in set(ROLE_FOR.values())}
    with_files = [(role, form) for role, form in discovered if form.files and form.method == "POST"]
    for role, form in ordered(battery_app, with_files):
        files = [(name, "bestand.bin", BINARY) for name in sorted(form.files)]
        response = _post(clients[role], form.action, _defaults(form), files)
        checker.cases += 1
        if response.status_code >= 500:
            checker.problems.append(f"POST {form.action} as {role}: {response.status_code}")
        db.session.rollback()
    checker.record()
    assert with_files, "no form with a file input was discovered"
    assert not checker.problems, "\n".join(checker.problems[:50])


def test_a_real_upload_with_utf8_text_still_works(battery_app, world):
    """A PNG (its first byte is not UTF-8) next to a UTF-8 text field with accents is stored."""
    buffer = io.BytesIO()
    Image.new("RGB", (60, 30), (10, 120, 10)).save(buffer, format="PNG")
    client = client_for(battery_app, world, "member_a")
    response = _post(
        client,
        "/mijn-profiel/logo",
        [("toelichting", "Café Ærø".encode())],
        [("logo", "logo.png", buffer.getvalue())],
    )
    assert response.status_code == 303, response.text[:300]
    db.session.rollback()
    company_id = world.users["member_a"].company_id
    assert db.session.get(Company, company_id).logo_data.startswith(b"\x89PNG")
