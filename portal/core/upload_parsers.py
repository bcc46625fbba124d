"""The child-process half of upload parsing: strict CSV and XLSX readers.

Everything here runs inside a resource-limited child process (see portal.core.uploads) and
reports problems as short error codes with parameters, never as exceptions or Dutch text: the
parent turns codes into messages. Nothing here imports Flask.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from pathlib import PurePosixPath
from typing import Any

FIELD_LIMIT = 4096
ZIP_MAX_ENTRIES = 100
ZIP_MAX_TOTAL = 50 * 1024 * 1024
ZIP_MAX_RATIO = 100
FORMULA_PREFIXES = ("=", "+", "-", "@")
# A leading sign followed only by digits and phone/number punctuation is data, not a formula
# ("-5", "+31 (0)20 123 45 67"); anything with letters, operators or references is flagged.
PLAIN_NUMBER_RE = re.compile(r"^[+-][0-9][0-9 .,()/-]*$")
DRIVE_RE = re.compile(r"^[A-Za-z]:")


class ParseFailure(Exception):
    """A file-level problem: `code` names it, `params` fill in the message."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params


def is_formula(text: str) -> bool:
    """True when a cell would be read as a formula by a spreadsheet program."""
    return text.startswith(FORMULA_PREFIXES) and not PLAIN_NUMBER_RE.match(text)


def clean_cell(value: str) -> str:
    """NFC-normalised and trimmed cell text."""
    return unicodedata.normalize("NFC", value).strip()


# --------------------------------------------------------------------------- tables


def build_table(raw_rows: Iterable[list[str]], *, max_rows: int, max_cols: int) -> dict:
    """Header plus non-empty data rows, with per-row issues (formulas, extra cells).

    Rows are padded or cut to the header width. Returned as plain lists so the result pickles
    quickly back to the parent.

    :raises ParseFailure: no header, too many columns or rows.
    """
    rows_iter = iter(raw_rows)
    header: list[str] | None = None
    line = 0
    for raw in rows_iter:
        line += 1
        cells = [clean_cell(c) for c in raw]
        if any(cells):
            header = _trim(cells)
            break
    if header is None:
        raise ParseFailure("empty")
    if len(header) > max_cols:
        raise ParseFailure("too_many_columns", max=max_cols, found=len(header))
    width = len(header)
    rows: list[list[str]] = []
    lines: list[int] = []
    issues: list[tuple[int, str, str]] = []
    for raw in rows_iter:
        line += 1
        cells = [clean_cell(c) for c in raw]
        if not any(cells):
            continue
        if len(rows) >= max_rows:
            raise ParseFailure("too_many_rows", max=max_rows)
        extra = cells[width:]
        cells = cells[:width] + [""] * (width - len(cells))
        index = len(rows)
        rows.append(cells)
        lines.append(line)
        if any(extra):
            issues.append((index, "extra_cells", ""))
        for col, text in enumerate(cells):
            if is_formula(text):
                issues.append((index, "formula", header[col] or str(col + 1)))
                break
    if not rows:
        raise ParseFailure("header_only")
    return {"header": header, "rows": rows, "lines": lines, "issues": issues}


def _trim(cells: list[str]) -> list[str]:
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]


# --------------------------------------------------------------------------- CSV


def decode_csv(data: bytes) -> tuple[str, str]:
    """UTF-8 (BOM allowed), else cp1252; returns (text, encoding name).

    :raises ParseFailure: UTF-16, NUL bytes or undecodable bytes.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ParseFailure("utf16")
    if b"\x00" in data:
        raise ParseFailure("nul")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise ParseFailure("encoding") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise ParseFailure("encoding") from exc


def sniff_delimiter(text: str) -> str:
    """`;` when the first line has more semicolons than commas, else `,`."""
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


def parse_csv(data: bytes, *, max_rows: int, max_cols: int) -> dict:
    """Decode, sniff and read a CSV file into a table.

    :raises ParseFailure: see decode_csv and build_table; also malformed quoting or a cell over
        the field size limit.
    """
    csv.field_size_limit(FIELD_LIMIT)
    text, encoding = decode_csv(data)
    if not text.strip():
        raise ParseFailure("empty")
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        table = build_table(_guard_csv(reader, max_cols), max_rows=max_rows, max_cols=max_cols)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise ParseFailure("cell_too_long", max=FIELD_LIMIT) from exc
        raise ParseFailure("csv_malformed", line=reader.line_num) from exc
    table.update(encoding=encoding, delimiter=delimiter)
    return table


def _guard_csv(reader: Iterator[list[str]], max_cols: int) -> Iterator[list[str]]:
    """Refuse absurdly wide rows before they are cleaned cell by cell."""
    for row in reader:
        if len(row) > max_cols * 5 + 50:
            raise ParseFailure("too_many_columns", max=max_cols, found=len(row))
        yield row


# --------------------------------------------------------------------------- XLSX


def check_zip(data: bytes) -> None:
    """Zip pre-check before any XML is parsed.

    :raises ParseFailure: not a zip, too many entries, bomb-like sizes, macros, unsafe names.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ParseFailure("not_xlsx") from exc
    with archive:
        infos = archive.infolist()
    if len(infos) > ZIP_MAX_ENTRIES:
        raise ParseFailure("zip_entries", max=ZIP_MAX_ENTRIES)
    total = 0
    for info in infos:
        name = info.filename.replace("\\", "/")
        if name.startswith("/") or DRIVE_RE.match(name) or ".." in PurePosixPath(name).parts:
            raise ParseFailure("zip_names")
        if PurePosixPath(name).name.lower() == "vbaproject.bin":
            raise ParseFailure("macro")
        total += info.file_size
        if info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
            raise ParseFailure("zip_bomb")
    if total > ZIP_MAX_TOTAL:
        raise ParseFailure("zip_bomb")


def xlsx_cell_text(value: Any) -> str:
    """Spreadsheet value → text: whole numbers without '.0', dates as ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "WAAR" if value else "ONWAAR"
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    elif isinstance(value, datetime):
        text = value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    elif isinstance(value, date | time):
        text = value.isoformat()
    else:  # ArrayFormula, DataTableFormula and other formula objects
        text = "=" + str(getattr(value, "text", "") or "")
    if len(text) > FIELD_LIMIT:
        raise ParseFailure("cell_too_long", max=FIELD_LIMIT)
    return text


def parse_xlsx(data: bytes, *, max_rows: int, max_cols: int) -> dict:
    """Zip pre-check, then openpyxl in read-only mode on the first worksheet.

    Formula cells come back as their formula text ("=…") so they are flagged per row; openpyxl
    never evaluates them.

    :raises ParseFailure: see check_zip and build_table; forbidden XML (entities, DTD
        external references); unreadable workbook.
    """
    check_zip(data)
    import openpyxl
    from defusedxml import DefusedXmlException

    if not openpyxl.DEFUSEDXML:  # pragma: no cover - guarded by requirements.txt
        raise ParseFailure("no_defusedxml")
    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=False, keep_links=False
        )
        try:
            if not workbook.worksheets:
                raise ParseFailure("no_sheet")
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # ignore a (possibly huge) declared dimension
            raw = (
                [xlsx_cell_text(v) for v in row[: max_cols * 5 + 50]]
                for row in sheet.iter_rows(values_only=True)
            )
            table = build_table(raw, max_rows=max_rows, max_cols=max_cols)
        finally:
            workbook.close()
    except ParseFailure:
        raise
    except DefusedXmlException as exc:
        raise ParseFailure("xml_forbidden") from exc
    except MemoryError:
        raise
    except Exception as exc:  # openpyxl wraps XML errors; anything else is "not a valid xlsx"
        code = "xml_forbidden" if _caused_by(exc, DefusedXmlException) else "not_xlsx"
        raise ParseFailure(code) from exc
    table.update(encoding="xlsx", delimiter="")
    return table


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """True when `kind` appears anywhere in the exception's cause/context chain."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False
