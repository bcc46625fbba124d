"""The privacy statement and the processing register as a reader sees them, for the digests that
tie each version to its text (portal/privacy/versions.py).

The digest of the templates and their translations misses wording that comes from code and
configuration: the log retention (`LOG_DAYS`), default retention periods, the sub-processors,
the register's entries. So each document is also rendered as its page renders it, under a
reference configuration (the defaults; `REFERENCE` holds only what an app needs to run apart
from an environment), in each language it is offered in. Only the page's own content block
counts, not the layout around it; navigation bars are left out (they change with unrelated
pages), CSRF tokens and CSP nonces blanked and runs of white space collapsed, so the text is
the same in every run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask

from portal.privacy.routes import statement_context
from portal.privacy.routes_staff import register_context

# The reference configuration: every setting at its default (none from the environment; see
# tests/privacy/test_statement_version.py), and these few fixed values (an address for links).
REFERENCE = {"PUBLIC_BASE_URL": "https://ledenportaal.example"}

NAV = re.compile(r"<nav\b.*?</nav>", re.S)
VARYING = re.compile(r'((?:nonce|name="csrf_token" value)=")[^"]*(")')
SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Document:
    """A page whose text is versioned: its path, template, view context and languages."""

    path: str
    template: str
    context: Callable[[], dict]
    languages: tuple[str, ...]


STATEMENT = Document("/privacy", "privacy/statement.html", statement_context, ("nl", "en"))
# Staff pages are Dutch only.
REGISTER = Document(
    "/beheer/privacy/verwerkingsregister", "privacy/staff_register.html", register_context, ("nl",)
)


def reader_text(app: Flask, document: Document) -> tuple[str, ...]:
    """The document's content as rendered by `app` for an anonymous request, per language."""
    texts = []
    for language in document.languages:
        with app.test_request_context(document.path, query_string={"lang": language}):
            context = document.context()
            app.update_template_context(context)
            template = app.jinja_env.get_template(document.template)
            html = "".join(template.blocks["content"](template.new_context(context)))
        html = VARYING.sub(r"\1\2", NAV.sub("", html))
        texts.append(f"{language}\0" + SPACE.sub(" ", html).strip())
    return tuple(texts)
