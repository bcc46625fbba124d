"""Public ledenzoeker pages: search, member detail, score explanation, open-data export."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    make_response,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from portal.core import i18n
from portal.core.db import database_key, utcnow
from portal.core.htmx import full_page_load, render, wants_fragment
from portal.core.settings import publication_min
from portal.core.templating import render_bare
from portal.directory import (
    badge,
    browse,
    cache,
    cards,
    headers,
    id_index,
    links,
    logos,
    map_data,
    publish,
    request_state,
    results_text,
    services,
    vocabulary,
)
from portal.directory.forms import RADII, SearchQuery
from portal.directory.geocoder import geocoder_for
from portal.extensions import db, limiter

bp = Blueprint("directory", __name__)
bp.add_app_template_global(cards.joined, "directory_cards")
bp.add_app_template_global(links.query_url, "directory_query_url")
results_text.register(bp)
RESULTS_TARGET = "directory-results"
FRAGMENT_VARY = ("HX-Request", "HX-Target")  # the fragment differs from the page by these
# Per IP, CSV and JSON together; DIRECTORY_EXPORT_RATE_LIMIT overrides it.
EXPORT_RATE_LIMIT = "10/hour"
PUBLICATION_MIN = "directory_publication_min"  # app.extensions: (version key, value)


def _search_limit() -> str:
    return current_app.config["DIRECTORY_SEARCH_RATE_LIMIT"]


def _export_limit() -> str:
    return current_app.config.get("DIRECTORY_EXPORT_RATE_LIMIT") or EXPORT_RATE_LIMIT


def _rule() -> services.ScoreRule:
    config = current_app.config
    return services.ScoreRule(
        min_count=_publication_min(),
        max_age_days=config["REVIEW_MAX_AGE_DAYS"],
        now=utcnow(),
    )


def _directory_generation() -> tuple[int, str]:
    """The directory version and its generation tag (cache.generation), read once per request.

    What this process keeps per directory state is keyed by the tag, not the number alone:
    after a database restore the counter runs through numbers of the lost history again.
    """
    if "directory_generation" not in g:
        g.directory_generation = request_state.request_generation(db.session)
    return g.directory_generation


def _publication_min() -> int:
    """The publication minimum, read once per directory version (changing it bumps the version)."""
    key = (_directory_generation()[1], current_app.config["REVIEW_MIN_COUNT"])
    held = current_app.extensions.get(PUBLICATION_MIN)
    if held is None or held[0] != key:
        held = (key, publication_min())
        current_app.extensions[PUBLICATION_MIN] = held
    return held[1]


def _public_url(endpoint: str, **values: Any) -> str:
    """Absolute URL on the configured public host (stable in JSON-LD and exports)."""
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    values.setdefault("lang", None)  # stable identifiers: never the visitor's language
    return base + url_for(endpoint, **values)


bp.after_request(headers.cache_headers)


@bp.get("/")
@limiter.limit(_search_limit)
def index():
    """Search form and results; an htmx search swaps only #directory-results."""
    if reload := full_page_load():  # live search and map are scripts in this page's head
        return reload
    query = SearchQuery.from_args(request.args)
    fragment = wants_fragment(RESULTS_TARGET)
    g.directory_shared_cache = fragment
    if fragment:
        if current_app.config["DIRECTORY_RESULT_CACHE_SECONDS"] > 0:
            return _cached_fragment(query)
        return _fragment_response(_results_fragment(query, _search(query)))
    response = render(
        "directory/index.html",
        "directory/_results.html",
        target=RESULTS_TARGET,
        query=query,
        result=_search(query),
        radii=RADII,
        choices=None if fragment else services.filter_choices(db.session),
        listed=None if fragment else services.listed_count(db.session),
        map_tile_url=map_data.tile_url(),
        map_attribution=map_data.attribution(),
        map_max_zoom=map_data.MAX_ZOOM,
    )
    if not fragment:  # the page holds the map: tiles from the configured host only
        response.headers["Content-Security-Policy"] = map_data.page_csp()
        response.vary.add("HX-Boosted")
    return response


def _search(query: SearchQuery) -> services.SearchResult:
    (version, tag), rule = _directory_generation(), _rule()
    result = services.search(
        db.session,
        query,
        geocoder=geocoder_for(current_app.config, db.session, version=tag),
        rule=rule,
        vocabulary=_vocabulary(),
        page_starts=lambda: browse.current(db.session, generation=tag),
        id_index=lambda: id_index.current(db.session, version=version, generation=(version, tag)),
        lists_key=(tag, database_key(db.session)),
    )
    result.items = cards.page_items(db.session, result, generation=tag, rule=rule)
    if db.session().in_transaction():  # an unused session has nothing to commit
        db.session.commit()  # geocoder answers are cached in the database
    return result


def _vocabulary() -> vocabulary.Vocabulary | None:
    """The forgiving search's vocabulary; None reads words as typed (a benchmark baseline)."""
    if not current_app.config.get("DIRECTORY_FORGIVING_SEARCH", True):
        return None
    return vocabulary.current(db.session, generation=_directory_generation()[1])


def _cached_fragment(query: SearchQuery) -> Response:
    """The results fragment from the shared cache, rendered and stored on a miss."""
    body = _cached(
        ("results", query.url_args(), current_app.config.get("GEOCODER")),
        lambda: _results_fragment(query, _search(query)),
    )
    return _fragment_response(body)


def _results_fragment(query: SearchQuery, result: services.SearchResult) -> str:
    """The results fragment htmx swaps in: its template needs only these two and the globals."""
    return render_bare("directory/_results.html", query=query, result=result)


def _fragment_response(body: str) -> Response:
    """What `make_response(body)` and `response.vary.update(FRAGMENT_VARY)` made: the Vary of
    a new response is written as werkzeug writes it."""
    response = current_app.response_class(body)
    response.headers["Vary"] = ", ".join(FRAGMENT_VARY)
    return response


def _cached(parts: tuple, render: Callable[[], str]) -> str:
    """A body from the shared cache, keyed on `parts` and what every public body depends on:
    the language and whether the URL named it (its links keep `lang` then), and the mount
    point (its links are paths under `request.script_root`).

    The publication minimum is not part of the key: changing it bumps the directory version.
    """
    config, now = current_app.config, utcnow()
    parts += (
        f"{now:%Y%m%d%H}", i18n.select_locale(), i18n.page_language(), request.script_root,
        config["REVIEW_MIN_COUNT"], config["REVIEW_MAX_AGE_DAYS"],
    )  # fmt: skip
    ttl = config["DIRECTORY_RESULT_CACHE_SECONDS"]
    # Stamped no newer than the generation this request's matching sets were kept for.
    basis = lambda: g.get("directory_generation", (None, None))[1]  # noqa: E731
    return cache.fetch(db.session, parts, render, now=now, ttl=ttl, basis=basis)


@bp.get("/kaart.json")
@limiter.limit(_search_limit)
def map_json():
    """The search's whole result set as GeoJSON points for the map (same filters as the list).

    Public fields of listed members only; from the shared cache, stamped with the directory
    version like the result fragments. The page number plays no part: the map shows every page.
    """
    query = SearchQuery.from_args(request.args)
    g.directory_shared_cache = True
    # "map-url": bodies cached before each point carried its page's URL are not served (a
    # cached body lives an hour; the new script reads `url`).
    parts = ("map-url", query.url_args(page=1), current_app.config.get("GEOCODER"))
    if current_app.config["DIRECTORY_RESULT_CACHE_SECONDS"] > 0:
        body = _cached(parts, lambda: _map_body(query))
    else:
        body = _map_body(query)
    response = make_response(body)
    response.mimetype = "application/geo+json"
    return response


def _map_body(query: SearchQuery) -> str:
    found = services.map_points(
        db.session,
        query,
        geocoder=geocoder_for(current_app.config, db.session, version=_directory_generation()[1]),
        rule=_rule(),
        vocabulary=_vocabulary(),
    )
    db.session.commit()  # geocoder answers are cached in the database
    return map_data.geojson(
        found, detail_url=map_data.detail_url(query), message=_map_message(found)
    )


def _map_message(found: services.MapPoints) -> str:
    if found.location_error:
        return found.location_error
    if found.truncated:
        return _(
            "Te veel bedrijven voor de kaart: de kaart toont er %(num)s. Verfijn uw zoekopdracht "
            "om ze allemaal te zien; de lijst toont ze wel allemaal.",
            num=f"{services.MAP_LIMIT:,}".replace(",", "."),
        )
    return ""


@bp.get("/over-de-scores")
def about_scores():
    """How scores are made and shown, and how to report an abusive review."""
    config = current_app.config
    return render_template(
        "directory/about_scores.html",
        min_count=publication_min(),
        max_age_days=config["REVIEW_MAX_AGE_DAYS"],
        sync_hours=config.get("REVIEW_SYNC_INTERVAL_HOURS", 24),
    )


@bp.get("/export.csv")
@limiter.shared_limit(_export_limit, scope="directory-export")
def export_csv():
    """Open data: every listed member's public fields as CSV (streamed)."""
    today = utcnow().date()
    chunks = publish.csv_stream(db.session, url_for_slug=_detail_url, rule=_rule(), today=today)
    return _download(chunks, "text/csv; charset=utf-8", f"ledenzoeker-{today}.csv")


@bp.get("/export.json")
@limiter.shared_limit(_export_limit, scope="directory-export")
def export_json():
    """Open data: every listed member's public fields as JSON (streamed)."""
    today = utcnow().date()
    meta = {
        "titel": _("Ledenzoeker: aangesloten installatiebedrijven"),
        "bron": _public_url("directory.index"),
        "uitleg_scores": _public_url("directory.about_scores"),
    }
    chunks = publish.json_stream(
        db.session, url_for_slug=_detail_url, rule=_rule(), today=today, meta=meta
    )
    return _download(chunks, "application/json", f"ledenzoeker-{today}.json")


def _detail_url(slug: str) -> str:
    return _public_url("directory.detail", slug=slug)


def _download(chunks: Iterator[str], mimetype: str, filename: str) -> Response:
    g.directory_shared_cache = True
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Link"] = f'<{publish.LICENSE_URL}>; rel="license"'
    return response


@bp.get("/<slug>")
def detail(slug: str) -> ResponseReturnValue:
    """A member's public page: contact data it made visible, score details, complaints route.

    Anonymous visitors without pending messages all see the same page, so it comes from the
    shared cache; signed-in users get their own navigation, rendered fresh.

    :raises NotFound: unknown slug, or a member that is not listed.
    """
    back = SearchQuery.from_query_string(request.args.get("terug"))
    if _page_is_shared():
        return _cached(("detail", slug, back.url_args()), lambda: _render_detail(slug, back))
    return _render_detail(slug, back)


def _page_is_shared() -> bool:
    return (
        current_app.config["DIRECTORY_RESULT_CACHE_SECONDS"] > 0
        and "_flashes" not in session
        and not current_user.is_authenticated
        and request.headers.get("HX-Boosted") != "true"  # rendered: a boost becomes a full load
    )


def _render_detail(slug: str, back: SearchQuery) -> str:
    entry = services.entry_by_slug(db.session, slug)
    if entry is None:
        abort(404)
    url = _detail_url(entry.slug)
    association = current_app.config["ASSOCIATION_NAME"]
    return render_template(
        "directory/detail.html",
        entry=entry,
        score=services.entry_score(entry, _rule()),
        jsonld=publish.jsonld(entry, url=url, association=association),
        years=services.member_years(entry.member_since, utcnow().date()),
        back_url=url_for("directory.index", **back.url_args()),
        back_is_search=not back.is_empty or back.page > 1,
    )


@bp.get("/<slug>/badge.svg")
def badge_svg(slug: str) -> ResponseReturnValue:
    """A listed member's embeddable badge (light/dark, compact/wide), from the shared cache.

    The cached body carries the directory version, so a member that leaves the ledenzoeker
    answers 404 from the next request on; browsers may keep the old image for PUBLIC_MAX_AGE.

    :raises NotFound: unknown slug, or a member that is not listed.
    """
    options = badge.BadgeOptions.from_args(request.args)
    g.directory_shared_cache = True
    if current_app.config["DIRECTORY_RESULT_CACHE_SECONDS"] > 0:
        body = _cached(("badge", slug, options.theme, options.size), lambda: _badge(slug, options))
    else:
        body = _badge(slug, options)
    response = make_response(body)
    response.mimetype = "image/svg+xml"
    # An image other sites embed: no scripts or styles of its own, loadable cross-origin.
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/<slug>/logo.png")
def logo(slug: str) -> ResponseReturnValue:
    """A listed member's logo, resized (`?formaat=kaart` for cards; the page size otherwise).

    The URL carries the logo version (`v`) so a new logo gets a new URL; the ETag also carries
    the directory version, so a member that leaves the ledenzoeker answers 404 from the next
    revalidation on (browsers keep an image for PUBLIC_MAX_AGE at most).

    :raises NotFound: unknown slug, member not listed, or no logo.
    """
    size = request.args.get("formaat", logos.DEFAULT_SIZE)
    found = logos.public_logo(db.session, slug, size, now=utcnow())
    if found is None:
        abort(404)
    db.session.commit()  # a freshly resized logo is kept for every worker
    g.directory_shared_cache = True
    response = make_response(found.body)
    response.mimetype = "image/png"
    response.set_etag(f"{cache.version(db.session)}-{found.version}-{size}")
    response.headers["Content-Disposition"] = 'inline; filename="logo.png"'
    # An image only: nothing in it may run or load anything.
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    return response


def _badge(slug: str, options: badge.BadgeOptions) -> str:
    entry = services.entry_by_slug(db.session, slug)
    if entry is None:
        abort(404)
    score = services.entry_score(entry, _rule())
    text = badge.badge_text(score, association=current_app.config["ASSOCIATION_NAME"])
    return badge.render_svg(text, options)
