"""Customer-list files for the upload tests (XLSX helpers come from tests/core/test_uploads.py)."""

from __future__ import annotations

HEADER = "E-mailadres;Voornaam;Achternaam;Referentie\n"


def customer_csv(
    n: int, *, start: int = 0, header: str = HEADER, domain: str = "klant.example"
) -> bytes:
    """`n` valid customer rows with Dutch headers, semicolon-separated."""
    rows = "".join(f"klant{i}@{domain};Klant;Nummer {i};F-{i}\n" for i in range(start, start + n))
    return (header + rows).encode()
