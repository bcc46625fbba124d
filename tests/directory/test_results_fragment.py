"""The live search's results fragment is rendered without Flask's template context
(`portal.core.templating.render_bare`): its template names nothing but its own variables and
the Jinja globals, and the bodies are the ones `render_template` gives, in Dutch and English."""

from __future__ import annotations

import pytest
from flask import render_template
from jinja2 import meta, nodes

from portal.core.templating import render_bare
from portal.directory import routes

HX = {"HX-Request": "true", "HX-Target": "directory-results"}
# Templates rendered with render_bare, and the variables their callers pass.
BARE = {"directory/_results.html": {"query", "result", "is_page"}}


@pytest.mark.parametrize("name", sorted(BARE))
def test_bare_templates_use_only_their_variables_and_the_globals(app, name):
    env = app.jinja_env
    tree = env.parse(env.loader.get_source(env, name)[0])
    own = {node.name for node in tree.find_all(nodes.Name) if node.ctx == "store"}  # {% set %}
    used = meta.find_undeclared_variables(tree)
    assert used - own - BARE[name] - set(env.globals) == set()
    assert not list(meta.find_referenced_templates(tree))  # nothing included


def test_render_bare_passes_the_context_and_globals(app):
    with app.test_request_context("/ledenzoeker/?lang=en"):
        app.preprocess_request()
        body = render_bare("directory/_results.html", query=_Query(), result=_Result())
    assert "Sorted by name (A to Z)." in body
    assert 'data-directory-map-url="/ledenzoeker/kaart.json?lang=en"' in body


@pytest.mark.parametrize("cache", [0, 60])
@pytest.mark.parametrize(
    "path",
    [
        "/ledenzoeker/",
        "/ledenzoeker/?q=Jansen",
        "/ledenzoeker/?q=Jansen&lang=en",
        "/ledenzoeker/?page=2",
        "/ledenzoeker/?page=40&lang=en",
        "/ledenzoeker/?q=qqqqzzzz",
        "/ledenzoeker/?q=qqqqzzzz&lang=en",
    ],
)
def test_fragments_are_what_render_template_gives(app, client, listed, monkeypatch, path, cache):
    for n in range(23):
        listed(f"Jansen Installatie {n:02d}" if n % 2 else f"De Vries Techniek {n:02d}")
    app.config["DIRECTORY_RESULT_CACHE_SECONDS"] = cache
    bare = client.get(path, headers=HX)
    assert bare.status_code == 200 and 'id="directory-results"' in bare.text
    monkeypatch.setattr(routes, "render_bare", render_template)
    app.config["DIRECTORY_RESULT_CACHE_SECONDS"] = 0  # rendered again, not the stored body
    full = client.get(path, headers=HX)
    assert full.data == bare.data
    assert [h for h in full.headers if h[0] != "Date"] == [
        h for h in bare.headers if h[0] != "Date"
    ]


class _Query:
    page = 1
    postcode = ""
    straal = 10
    vakgebied = ()
    erkenning = ()

    def url_args(self, **changes):
        return {k: v for k, v in changes.items() if v != 1}


class _Result:
    summary = "Nothing"
    total = 0
    location_error = ""
    order = "name"
    reading_notes = ()
    items = ()
    beyond_last = False
    suggestion = ""
    pages = 1
