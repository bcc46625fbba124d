"""Upload parsing benchmark: wall time and parent RSS growth for the largest accepted files.

Run: .venv/bin/python bench/uploads.py
Targets (SECURITY.md §4.6): each file < 3 s, parent RSS growth < 50 MiB. Prints one line per case.
"""

from __future__ import annotations

import io
import resource
import sys
import time
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal.core.uploads import UploadError, parse_upload


def csv_rows(count: int) -> bytes:
    lines = ["naam;email"] + [f"Klant {i};klant{i}@example.nl" for i in range(count)]
    return ("\n".join(lines) + "\n").encode()


def xlsx_rows(count: int) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["naam", "email"])
    for i in range(count):
        sheet.append([f"Klant {i}", f"klant{i}@example.nl"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    cases = [
        ("csv 50,000 rows", csv_rows(50_000), "k.csv"),
        ("csv 50,001 rows", csv_rows(50_001), "k.csv"),
        ("xlsx 50,000 rows", xlsx_rows(50_000), "k.xlsx"),
        ("xlsx 50,001 rows", xlsx_rows(50_001), "k.xlsx"),
    ]
    parse_upload(csv_rows(10), "warm.csv")  # start the parser process pool
    failures = 0
    print(f"{'case':<20} {'bytes':>10} {'seconds':>8} {'rss+MiB':>8}  outcome")
    for label, data, name in cases:
        before = rss_mib()
        started = time.perf_counter()
        try:
            outcome = f"{len(parse_upload(data, name).rows)} rows"
        except UploadError as error:
            outcome = f"refused: {error.code}"
        seconds = time.perf_counter() - started
        growth = rss_mib() - before
        slow = seconds >= 3 or growth >= 50
        failures += slow
        flag = "  <-- over target" if slow else ""
        print(f"{label:<20} {len(data):>10} {seconds:>8.2f} {growth:>8.1f}  {outcome}{flag}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
