"""PDF font benchmark: CPU and wall time per PDF with the DejaVu fonts parsed per PDF
(fpdf2's `add_font`) and parsed once per process (portal/core/pdf_fonts.py).

Run: .venv/bin/python bench/pdf_fonts.py [count]
The document is a one-page complaint letter (DejaVu regular and bold, as `a4_pdf` sets up).
Prints the median and total per variant, after one warm-up PDF each.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from fpdf import FPDF

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal.core import pdf_fonts

FONTS = Path(__file__).resolve().parents[1] / "portal" / "agreements" / "fonts"
BODY = "Beste Ëlla,\n\nWij hebben uw klacht over de cv-ketel ontvangen en betalen € 150 terug.\n"


def fpdf_add_font(pdf: FPDF, family: str, style: str, path: Path) -> None:
    pdf.add_font(family, style, str(path))


def letter(add, number: int) -> bytes:
    pdf = FPDF(format="A4")
    add(pdf, "DejaVu", "", FONTS / "DejaVuSans.ttf")
    add(pdf, "DejaVu", "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(
        0, 8, f"Afhandeling van klacht K-2026-{number:04d}", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(0, 6, BODY * 8, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def measure(name: str, add, count: int) -> float:
    letter(add, 0)  # warm-up (and, for the cache, the one parse per process)
    cpu, wall = [], []
    for number in range(1, count + 1):
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        letter(add, number)
        cpu.append(time.process_time() - cpu_start)
        wall.append(time.perf_counter() - wall_start)
    median = statistics.median(cpu) * 1000
    print(
        f"{name:<28} {count} PDFs: CPU median {median:6.1f} ms, total {sum(cpu):5.2f} s;"
        f" wall median {statistics.median(wall) * 1000:6.1f} ms"
    )
    return median


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    before = measure("parsed per PDF (add_font)", fpdf_add_font, count)
    after = measure("parsed once (pdf_fonts)", pdf_fonts.add_font, count)
    print(f"CPU per PDF: {before:.1f} ms -> {after:.1f} ms ({after / before:.0%})")


if __name__ == "__main__":
    main()
