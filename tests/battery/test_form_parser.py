"""The battery's form discovery reads what a browser would send, <select> options included."""

from __future__ import annotations

from tests.battery.forms import forms_in

PAGE = """
<form method="post" action="/x?y=1">
  <input type="hidden" name="csrf_token" value="t">
  <input name="naam" value="Jan">
  <select name="soort"><option value="">Alle</option><option value="a">A</option>
    <option value="b" selected>B</option></select>
  <select name="rol"><option value="lid">Lid</option><option value="beheerder">Beheerder</option></select>
  <select name="jaar"><option>2025</option><option selected> 2026 </option></select>
  <select name="leeg"></select>
</form>
"""


def test_select_options_are_read():
    (form,) = forms_in(PAGE, "/pagina")
    assert form.options == {
        "soort": ["", "a", "b"],
        "rol": ["lid", "beheerder"],
        "jaar": ["2025", "2026"],
        "leeg": [],
    }
    assert form.fields == {
        "y": "1", "csrf_token": "t", "naam": "Jan", "soort": "b", "rol": "lid", "jaar": "2026",
        "leeg": "",
    }  # fmt: skip
    assert form.fuzzable() == ["y", "naam", "soort", "rol", "jaar", "leeg"]
