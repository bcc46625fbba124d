"""The combined upload matrix (SECURITY.md §4.6): every crafted file into every upload field.

Upload fields are discovered like the hostile-input forms (every <input type=file> the portal
renders, or the FileField of a view whose form only renders in another state). Each field gets
every file of `crafted_files()`; pass: never a 5xx, a refusal commits nothing, nothing lands under
static/, and no page shows the file name unescaped. Parse time and memory are measured by
bench/uploads.py, never asserted here.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from werkzeug.datastructures import MultiDict

from tests.battery import summary
from tests.battery.hostile import Checker, client_for, submit_and_check
from tests.core.test_uploads import (
    ELF,
    _billion_laughs,
    _bomb_entry,
    _xxe,
    plain_zip,
    rewrite_zip,
    xlsx,
)

STATIC = Path(__file__).resolve().parents[2] / "static"


def _image(fmt: str, size=(64, 48), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, fmt, **save)
    return out.getvalue()


def _png_bomb() -> bytes:
    """A tiny PNG that claims 30,000 x 30,000 pixels (a decompression bomb)."""
    width = height = 30_000
    raw = zlib.compress(b"\x00" * (width // 8 + 1) * 64, 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def crafted_files() -> list[tuple[str, bytes, str, str]]:
    """(label, content, file name, declared content type): at least 30 hostile or odd files."""
    png, jpeg = _image("PNG"), _image("JPEG")
    good_xlsx = xlsx([["E-mail", "Naam"], ["a@klant.example", "Bos"]])
    good_csv = b"email;naam\na@klant.example;Bos\n"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    files = [
        ("empty", b"", "leeg.csv", "text/csv"),
        ("one byte", b"x", "x.png", "image/png"),
        ("NUL bytes", b"email\x00\x00\n", "k.csv", "text/csv"),
        ("ELF binary", ELF, "logo.png", "image/png"),
        ("PE binary", b"MZ\x90\x00" + b"\x00" * 60, "k.xlsx", "application/octet-stream"),
        ("PDF", b"%PDF-1.7\n1 0 obj<<>>endobj\n", "bewijs.pdf", "application/pdf"),
        ("HTML with script", b"<html><script>alert(1)</script></html>", "k.html", "text/html"),
        ("SVG with script", svg, "logo.svg", "image/svg+xml"),
        ("PNG", png, "logo.png", "image/png"),
        ("JPEG", jpeg, "logo.jpg", "image/jpeg"),
        ("WebP", _image("WEBP"), "logo.webp", "image/webp"),
        ("GIF", _image("GIF"), "logo.gif", "image/gif"),
        ("JPEG with EXIF", _image("JPEG", exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00"), "e.jpg", "image/jpeg"),
        ("truncated PNG", png[: len(png) // 2], "half.png", "image/png"),
        ("PNG + zip polyglot", png + plain_zip({"evil.sh": b"rm -rf /"}), "poly.png", "image/png"),
        ("PNG decompression bomb", _png_bomb(), "bomb.png", "image/png"),
        ("PNG renamed .csv", png, "k.csv", "text/csv"),
        ("CSV renamed .png", good_csv, "logo.png", "image/png"),
        ("CSV", good_csv, "klanten.csv", "text/csv"),
        ("CSV UTF-16", "email\na@klant.example\n".encode("utf-16"), "k.csv", "text/csv"),
        ("CSV formulas", b'email;naam\na@klant.example;=HYPERLINK("http://x.invalid")\n', "f.csv", "text/csv"),
        ("CSV broken encoding", b"email;naam\na@klant.example;\x81\x8d\x8f\n", "b.csv", "text/csv"),
        ("XLSX", good_xlsx, "klanten.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("XLSX zip bomb", rewrite_zip(good_xlsx, {}, {"xl/media/b.bin": _bomb_entry()}), "bomb.xlsx", "application/zip"),
        ("XLSX billion laughs", rewrite_zip(good_xlsx, {"xl/workbook.xml": _billion_laughs()}), "bl.xlsx", "application/zip"),
        ("XLSX XXE", rewrite_zip(good_xlsx, {"xl/worksheets/sheet1.xml": _xxe()}), "xxe.xlsx", "application/zip"),
        ("XLSX zip-slip", rewrite_zip(good_xlsx, {}, {"../../evil.sh": b"x"}), "slip.xlsx", "application/zip"),
        ("XLSM macros", rewrite_zip(good_xlsx, {}, {"xl/vbaProject.bin": b"m"}), "m.xlsm", "application/zip"),
        ("5,000 zip entries", rewrite_zip(good_xlsx, {}, {f"xl/m/{i}": b"x" for i in range(5000)}), "many.xlsx", "application/zip"),
        ("zip, no workbook", plain_zip({"word/document.xml": b"<w/>"}), "doc.xlsx", "application/zip"),
        ("traversal file name", png, "../../../static/evil.png", "image/png"),
        ("markup file name", png, '<img src=x onerror=alert(1)>.png', "image/png"),
        ("RTL override name", png, "foto\u202egnp.exe", "image/png"),
        ("CRLF in name", png, "a\r\nContent-Type: text/html.png", "image/png"),
        ("5 MiB + 1 byte", b"email\n" + b"x" * (5 * 1024 * 1024 - 5), "groot.csv", "text/csv"),
        ("7 MiB (over the request cap)", b"\x89PNG" + b"\x00" * (7 * 1024 * 1024), "huge.png", "image/png"),
    ]  # fmt: skip
    return files


def _static_files() -> set[str]:
    return {str(p.relative_to(STATIC)) for p in STATIC.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def upload_forms(discovered):
    forms = [(role, form) for role, form in discovered if form.files]
    assert forms, "no upload field found: form discovery is broken"
    return forms


def test_matrix_has_at_least_thirty_files():
    assert len(crafted_files()) >= 30


def test_every_crafted_file_into_every_upload_field(battery_app, world, upload_forms, writes):
    """No 5xx, refusal commits nothing, nothing lands in static/, names never echoed raw."""
    checker = Checker(battery_app, "uploads")
    static_before = _static_files()
    fields = 0
    for role, form in upload_forms:
        for field in sorted(form.files):
            fields += 1
            client = client_for(battery_app, world, role)
            for label, content, name, mimetype in crafted_files():
                data = MultiDict(form.fields)
                data[field] = (io.BytesIO(content), name, mimetype)
                where = f"POST {form.action} field {field} as {role}: {label}"
                submit_and_check(checker, writes, client, form, data, name, where)
    added = _static_files() - static_before
    if added:
        checker.problems.append(f"uploads landed under static/: {sorted(added)[:5]}")
    checker.record()
    summary.record("upload-fields", fields, 0)
    assert not checker.problems, "\n".join(checker.problems[:50])
