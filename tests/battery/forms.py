"""Form discovery for the hostile-input battery: every <form> the portal renders, with its fields.

The battery crawls every GET page of the route inventory as the role that may see it and collects
the forms it finds, so a new form is fuzzed without anyone listing it. Query parameters come from
the GET forms plus every `request.args` name the portal's code reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

PORTAL = Path(__file__).resolve().parents[2] / "portal"
_ARGS = re.compile(r"request\.args\.(?:get|getlist)\(\s*[\"']([A-Za-z_][\w-]*)[\"']")


@dataclass
class Form:
    """One rendered form: where it goes and the values a browser would send."""

    method: str
    action: str
    fields: dict[str, str] = field(default_factory=dict)  # name -> default value
    files: set[str] = field(default_factory=set)
    options: dict[str, list[str]] = field(default_factory=dict)  # select name -> option values
    found_on: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.action

    def fuzzable(self) -> list[str]:
        """Every field an attacker controls (all but the CSRF token)."""
        return [name for name in self.fields if name != "csrf_token"]


class _FormParser(HTMLParser):
    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self._pending_option: dict | None = None  # an option without value="": its text counts
        self._option_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            action = a.get("action") or self.page_path
            self._form = Form(
                method=(a.get("method") or "get").upper(),
                action=urlsplit(action).path or self.page_path,
                found_on=self.page_path,
            )
            self.forms.append(self._form)
            query = urlsplit(action).query
            for pair in filter(None, query.split("&")):
                name, _, value = pair.partition("=")
                self._form.fields.setdefault(name, value)
            return
        if tag == "option" and self._form is not None and self._select:
            self._option(a)  # options carry no name: their <select> has it
            return
        if self._form is None or not a.get("name"):
            return
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind == "file":
                self._form.files.add(name)
            elif kind in ("checkbox", "radio"):
                if "checked" in a or name not in self._form.fields:
                    self._form.fields[name] = a.get("value", "on") if "checked" in a else ""
            elif kind not in ("submit", "button", "reset", "image"):
                self._form.fields[name] = a.get("value", "")
        elif tag == "button" and a.get("value") is not None:
            self._form.fields.setdefault(name, a["value"])
        elif tag == "textarea":
            self._textarea, self._text = name, []
        elif tag == "select":
            self._select, self._select_first = name, None
            self._form.fields.setdefault(name, "")
            self._form.options.setdefault(name, [])

    def _option(self, a: dict) -> None:
        """An option's value (its text when it has no value attribute, as a browser sends);
        the select's default is the selected option, else the first."""
        if a.get("value") is None:
            self._option_text = []
            self._pending_option = a
            return
        self._add_option(a.get("value") or "", "selected" in a)

    def _add_option(self, value: str, selected: bool) -> None:
        assert self._form is not None and self._select is not None
        self._form.options[self._select].append(value)
        if self._select_first is None:
            self._select_first = value
            self._form.fields[self._select] = value
        if selected:
            self._form.fields[self._select] = value

    def _close_option(self) -> None:
        if self._pending_option is not None and self._select:
            text = " ".join("".join(self._option_text).split())
            self._add_option(text, "selected" in self._pending_option)
        self._pending_option = None

    def handle_endtag(self, tag):
        if tag in ("option", "select"):
            self._close_option()
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._form is not None and self._textarea:
            self._form.fields[self._textarea] = "".join(self._text)
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)
        if self._pending_option is not None:
            self._option_text.append(data)


def forms_in(html: str, page_path: str) -> list[Form]:
    """The forms of one page, actions as paths."""
    parser = _FormParser(page_path)
    parser.feed(html)
    return parser.forms


def query_parameter_names() -> set[str]:
    """Every `request.args` name the portal's own code reads (the emulator excluded)."""
    names = set()
    for path in PORTAL.rglob("*.py"):
        if "dev" in path.relative_to(PORTAL).parts:
            continue
        names.update(_ARGS.findall(path.read_text(encoding="utf-8")))
    return names
