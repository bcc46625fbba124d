"""Safe parsing of uploaded CSV and XLSX files (SECURITY.md §1 Uploads).

The name, extension and magic bytes are only hints: a file is valid once the strict parser in
a resource-limited child process (address space 512 MiB, 10 s of CPU, 20 s wall clock) has
read it. The caller keeps
nothing but the parsed table; the raw bytes are never stored. Generic on purpose: the member
register import and the customer lists both use it, and photos attached to a complaint are
re-encoded in the same child (portal.core.image_reencode, portal.core.attachments).
"""

from __future__ import annotations

import multiprocessing
import resource
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import PurePath
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.core import image_reencode, upload_parsers
from portal.core.upload_parsers import FIELD_LIMIT, ParseFailure

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 20
CHILD_MEMORY_BYTES = 512 * 1024 * 1024
# The parser may use 10 s of CPU (RLIMIT_CPU); the wall-clock backstop is wider so that a busy
# machine does not refuse a legitimate file that needs only a few seconds of CPU.
CHILD_CPU_SECONDS = 10
CHILD_TIMEOUT_SECONDS = 20.0
XLSX_MAGIC = b"PK\x03\x04"
EXPORT_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class UploadError(Exception):
    """A file was refused; `message` is the Dutch text for the user, `code` for logs and tests."""

    def __init__(self, message: str, *, code: str = ""):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True, slots=True)
class ParsedTable:
    """A strictly parsed upload: header, data rows as text, and per-row problems.

    `row_errors` maps an index into `rows` to a Dutch message (formula cell, extra cells);
    `line_numbers[i]` is the 1-based row or line of `rows[i]` in the file (header = 1).
    """

    kind: str  # "csv" or "xlsx"
    header: list[str]
    rows: list[list[str]]
    line_numbers: list[int]
    row_errors: dict[int, str] = field(default_factory=dict)
    encoding: str = ""
    delimiter: str = ""

    def iter_rows(self) -> Iterator[tuple[int, list[str], str | None]]:
        """(line number, values, error or None) for every data row."""
        for index, values in enumerate(self.rows):
            yield self.line_numbers[index], values, self.row_errors.get(index)


def neutralise_formula(value: Any) -> Any:
    """Prefix text that a spreadsheet would run as a formula with `'` (for exports)."""
    if isinstance(value, str) and value.startswith(EXPORT_FORMULA_PREFIXES):
        return "'" + value
    return value


def parse_upload(
    data: bytes,
    filename: str,
    *,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
    timeout: float = CHILD_TIMEOUT_SECONDS,
) -> ParsedTable:
    """Parse an uploaded .csv or .xlsx file in a limited child process.

    :raises UploadError: with a Dutch message for every refused file.
    """
    if len(data) > max_bytes:
        raise _error("too_large", max_mb=_mib(max_bytes))
    if not data:
        raise _error("empty")
    kind = detect_kind(data, filename)
    result = _run_child(data, kind, max_rows=max_rows, max_columns=max_columns, timeout=timeout)
    if result[0] == "error":
        raise _error(result[1], **result[2])
    table = result[1]
    return ParsedTable(
        kind=kind,
        header=table["header"],
        rows=table["rows"],
        line_numbers=table["lines"],
        row_errors=_row_errors(table["issues"], table["lines"]),
        encoding=table["encoding"],
        delimiter=table["delimiter"],
    )


def detect_kind(data: bytes, filename: str) -> str:
    """'csv' or 'xlsx' from the extension, checked against the magic bytes.

    :raises UploadError: unsupported extension, or an .xlsx that is not a zip file.
    """
    suffix = PurePath(filename or "").suffix.lower()
    if suffix in (".xlsm", ".xltm", ".xlam"):
        raise _error("macro")
    if suffix == ".xls":
        raise _error("xls")
    if suffix == ".xlsx":
        if not data.startswith(XLSX_MAGIC):
            raise _error("not_xlsx")
        return "xlsx"
    if suffix in (".csv", ".txt"):
        return "csv"
    if not suffix:
        return "xlsx" if data.startswith(XLSX_MAGIC) else "csv"
    raise _error("file_type")


def reencode_image(data: bytes, *, timeout: float = CHILD_TIMEOUT_SECONDS) -> tuple[str, bytes]:
    """Decode and re-encode an uploaded photo in the same limited child process: (mime, bytes).

    :raises UploadError: not a JPEG, PNG or WebP image, a pixel bomb, or undecodable.
    """
    result = _run_child(data, "image", max_rows=0, max_columns=0, timeout=timeout)
    if result[0] == "error":
        code = "not_image" if result[1] == "crashed" else result[1]
        raise _error(code, **result[2])
    return result[1]["mime"], result[1]["data"]


# --------------------------------------------------------------------------- child process


def _context() -> multiprocessing.context.ForkServerContext | multiprocessing.context.SpawnContext:
    """Forkserver where available (fast, no inherited locks or threads), else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(
            ["portal.core.upload_parsers", "portal.core.image_reencode", "openpyxl", "defusedxml"]
        )
        return ctx
    return multiprocessing.get_context("spawn")


_PARSERS: dict[str, Callable[..., Any]] = {
    "csv": upload_parsers.parse_csv,
    "xlsx": upload_parsers.parse_xlsx,
    "image": image_reencode.reencode_image,
}


def _child_main(conn: Connection, data: bytes, kind: str, max_rows: int, max_columns: int) -> None:
    """Entry point of the child: limit resources, parse, send one result tuple."""
    try:
        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES))
        resource.setrlimit(resource.RLIMIT_CPU, (CHILD_CPU_SECONDS, CHILD_CPU_SECONDS + 1))
        parse = _PARSERS.get(kind, upload_parsers.parse_csv)
        try:
            conn.send(("ok", parse(data, max_rows=max_rows, max_cols=max_columns)))
        except ParseFailure as exc:
            conn.send(("error", exc.code, exc.params))
        except MemoryError:
            conn.send(("error", "memory", {}))
    finally:
        conn.close()


def _run_child(
    data: bytes, kind: str, *, max_rows: int, max_columns: int, timeout: float
) -> tuple[Any, ...]:
    ctx = _context()
    parent_conn, child_conn = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=_child_main,
        args=(child_conn, data, kind, max_rows, max_columns),
        daemon=True,
    )
    try:
        process.start()
    except OSError:  # the fork server could not start the child
        parent_conn.close()
        return ("error", "crashed", {})
    finally:
        child_conn.close()
    try:
        if not parent_conn.poll(timeout):
            return ("error", "timeout", {})
        try:
            return parent_conn.recv()
        except (EOFError, OSError):
            process.join(5)
            killed_by_cpu = process.exitcode in (-signal.SIGXCPU, -signal.SIGKILL)
            return ("error", "timeout" if killed_by_cpu else "crashed", {})
    finally:
        parent_conn.close()
        if process.is_alive():
            process.kill()
        process.join(5)
        process.close()


# --------------------------------------------------------------------------- messages


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):g}"


def _nl_int(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _error(code: str, **params: Any) -> UploadError:
    return UploadError(_message(code, params), code=code)


MESSAGES = {
    "too_large": _l("Het bestand is te groot: hoogstens %(max_mb)s MB."),
    "empty": _l("Het bestand is leeg."),
    "header_only": _l("Het bestand bevat alleen een kopregel en geen gegevens."),
    "file_type": _l("Dit bestandstype wordt niet ondersteund. Kies een CSV- of Excel-bestand (.xlsx)."),
    "xls": _l("Oude Excel-bestanden (.xls) worden niet ondersteund. Sla het bestand op als .xlsx of CSV."),
    "not_xlsx": _l("Dit is geen geldig Excel-bestand (.xlsx). Sla het opnieuw op als .xlsx of CSV."),
    "macro": _l("Excel-bestanden met macro's worden niet geaccepteerd. Sla het bestand op als .xlsx zonder macro's."),
    "utf16": _l("Het bestand is opgeslagen als UTF-16. Sla het op als 'CSV UTF-8' en probeer het opnieuw."),
    "nul": _l("Het bestand bevat ongeldige tekens (NUL) en is waarschijnlijk geen tekstbestand. Kies een CSV- of Excel-bestand."),
    "encoding": _l("De tekenset van het bestand wordt niet herkend. Sla het op als 'CSV UTF-8' en probeer het opnieuw."),
    "csv_malformed": _l("Het CSV-bestand is ongeldig rond regel %(line)s (controleer de aanhalingstekens)."),
    "cell_too_long": _l("Een cel in het bestand is te lang: hoogstens %(max)s tekens."),
    "too_many_rows": _l("Het bestand heeft meer dan %(max)s rijen. Splits het bestand en probeer het opnieuw."),
    "too_many_columns": _l("Het bestand heeft te veel kolommen: hoogstens %(max)s."),
    "zip_entries": _l("Het Excel-bestand bestaat uit te veel onderdelen en wordt niet verwerkt."),
    "zip_bomb": _l("Het Excel-bestand wordt na uitpakken verdacht groot en wordt niet verwerkt."),
    "zip_names": _l("Het Excel-bestand bevat ongeldige bestandsnamen en wordt niet verwerkt."),
    "xml_forbidden": _l("Het Excel-bestand bevat niet-toegestane XML-onderdelen en wordt niet verwerkt."),
    "no_sheet": _l("Het Excel-bestand bevat geen werkblad."),
    "timeout": _l("Het verwerken van het bestand duurde te lang. Maak het bestand kleiner en probeer het opnieuw."),
    "memory": _l("Het bestand is te groot of te ingewikkeld om te verwerken."),
    "crashed": _l("Het bestand kon niet worden verwerkt. Controleer of het een geldig CSV- of Excel-bestand is."),
    "image_type": _l("Kies een foto als JPEG, PNG of WebP, of een PDF-bestand."),
    "image_pixels": _l("De foto heeft te veel pixels: hoogstens 40 megapixel."),
    "not_image": _l("Dit bestand is geen geldige afbeelding."),
    "no_defusedxml": _l("Excel-bestanden kunnen nu niet veilig worden verwerkt. Gebruik een CSV-bestand."),
}  # fmt: skip


def _message(code: str, params: dict[str, Any]) -> str:
    """The Dutch message for a file-level error code."""
    p = {k: _nl_int(v) if isinstance(v, int) else v for k, v in params.items()}
    return str(MESSAGES.get(code, MESSAGES["crashed"])) % p


def _row_errors(issues: list[tuple[int, str, str]], lines: list[int]) -> dict[int, str]:
    errors: dict[int, str] = {}
    for index, code, column in issues:
        if code == "formula":
            text = _(
                "Rij %(line)s bevat een formule in kolom '%(column)s'; formules worden niet verwerkt.",
                line=lines[index],
                column=column,
            )
        else:
            text = _("Rij %(line)s heeft meer gevulde cellen dan de kopregel.", line=lines[index])
        errors.setdefault(index, text)
    return errors


__all__ = [
    "FIELD_LIMIT",
    "MAX_BYTES",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "ParsedTable",
    "UploadError",
    "neutralise_formula",
    "parse_upload",
    "reencode_image",
]
