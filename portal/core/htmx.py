"""Render a full page or only the fragment an htmx request targets."""

from __future__ import annotations

import weakref
from typing import Any

from flask import (
    Flask,
    Response,
    abort,
    before_render_template,
    has_request_context,
    make_response,
    render_template,
)
from htmx_flask import request
from jinja2 import Environment, Template, nodes

BASE = "base.html"
HEAD_BLOCK = "head"  # base.html's block for a page's own stylesheets, scripts and meta tags
_OWN_HEAD: weakref.WeakKeyDictionary[Environment, dict[str, bool]] = weakref.WeakKeyDictionary()


def wants_fragment(target: str) -> bool:
    """Fragment only for a targeted swap; boosts and history restores get pages."""
    hx = request.htmx
    if not hx or hx.boosted or hx.history_restore_request:
        return False
    return hx.target == target


def full_page_load() -> Response | None:
    """For a boosted navigation, a response that makes htmx load the page as a whole instead.

    A boost swaps only the body: the page's own scripts and stylesheets in its head are not
    loaded, its scripts do not start, and the document keeps the previous page's
    Content-Security-Policy. A page that needs those answers boosts with this (one extra
    request); None for any other request."""
    hx = request.htmx
    if not hx or not hx.boosted:
        return None
    query = request.query_string.decode()
    response = make_response("", 200)
    response.headers["HX-Redirect"] = request.path + (f"?{query}" if query else "")
    response.vary.update(("HX-Request", "HX-Boosted"))
    return response


def _fills_head(block: nodes.Block) -> bool:
    """The block renders something besides whitespace."""
    for node in block.body:
        if not isinstance(node, nodes.Output):
            return True
        for child in node.nodes:
            if not (isinstance(child, nodes.TemplateData) and not child.data.strip()):
                return True
    return False


def own_head(env: Environment, name: str) -> bool:
    """Whether the template, or a layout between it and base.html, fills base.html's head block.

    Read from the templates' source (cached per environment and name), so it is known before
    the page renders and nothing (flashed messages) is used up by a render that is thrown away.
    Templates that do not extend base.html (fragments, e-mails) never count."""
    cache = _OWN_HEAD.setdefault(env, {})
    if name in cache and not env.auto_reload:
        return cache[name]
    fills, chain = False, [name]
    while env.loader and chain[-1] != BASE:
        tree = env.parse(env.loader.get_source(env, chain[-1])[0])
        fills = fills or any(
            block.name == HEAD_BLOCK and _fills_head(block) for block in tree.find_all(nodes.Block)
        )
        parent = tree.find(nodes.Extends)
        if not (parent and isinstance(parent.template, nodes.Const)):
            break
        if parent.template.value in chain:
            break
        chain.append(parent.template.value)
    cache[name] = found = fills and chain[-1] == BASE
    return found


def _full_load_for_own_head(app: Flask, template: Template, **_: Any) -> None:
    """A boosted GET of a page with its own head assets becomes a full page load (HX-Redirect).

    Templates rendered outside a request (mails, jobs, commands) are left alone."""
    if not has_request_context():
        return
    hx = request.htmx
    if not hx or not hx.boosted or request.method not in ("GET", "HEAD") or not template.name:
        return
    if own_head(app.jinja_env, template.name):
        reload = full_page_load()
        if reload is not None:
            abort(reload)


def register(app: Flask) -> None:
    """Boosted navigations to pages with their own head assets load the page as a whole.

    base.html boosts every link and form; a boost swaps only the body, so a page whose template
    fills the head block (stylesheets, scripts, meta) would arrive without them."""
    before_render_template.connect(_full_load_for_own_head, app)


def render(page: str, fragment: str, *, target: str, status: int = 200, **ctx: Any) -> Response:
    """Render the page, or only its fragment when htmx asks for that region."""
    template = fragment if wants_fragment(target) else page
    response = make_response(render_template(template, **ctx), status)
    response.vary.update(("HX-Request", "HX-Target"))
    return response
