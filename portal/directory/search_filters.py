"""A search's filters: SQL conditions on the directory rows and the same as precomputed sets.

Each filter of a search (the text box's word groups, specialisms, recognitions, "Alleen met
score") becomes an id condition for the SQL (queries.IdFilter) and, where it has one, a
condition of the matching sets per directory version (id_index.Term); the score filter
depends on the moment of judging and has none, so such a search is answered in SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from portal.core.db import AnySession, UTCDateTime
from portal.directory import queries
from portal.directory.forms import SearchQuery
from portal.directory.geocoder import Location
from portal.directory.id_index import Term
from portal.directory.search_backend import text_groups
from portal.directory.vocabulary import Reading
from portal.members.models import Recognition, Specialism

# Fixed conditions of the list filters (`{id}`: see queries.IdFilter); the id is bound.
_LIST_FILTERS = {
    "specialism": "{id} IN (SELECT company_id FROM company_specialisms WHERE specialism_id = :specialism)",
    "recognition": "{id} IN (SELECT company_id FROM company_recognitions WHERE recognition_id = :recognition)",
}


# "Alleen met score": the SQL twin of scores.public_score for rows of the directory (which
# only ever hold a current system in a public status).
_WITH_SCORE = (
    "provider IS NOT NULL AND score IS NOT NULL AND scale_max > 0 AND review_count > 0 "
    "AND review_count >= :score_min_count AND fetched_at >= :score_fresh_since"
)


def _score_params(session: AnySession, min_count: int, since: datetime) -> dict:
    dialect = session.get_bind().dialect
    process = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    return {
        "score_min_count": min_count,
        "score_fresh_since": process(since) if process else since,
    }


KEPT_IDS = "directory_list_ids"  # app.extensions: (key, {(table, slug): id})


def list_ids(
    session: AnySession, model: type[Specialism] | type[Recognition], slugs: Sequence[str], *,
    key: object,
) -> list[int]:  # fmt: skip
    """The ids of the specialisms or recognitions with these (distinct) slugs; fewer when a
    slug names none. Kept per process for `key` (the directory generation and database, so a
    restore or another database starts afresh); a slug not kept yet is looked up in SQL, so a
    specialism added since is found (slugs never change and are never removed)."""
    held = current_app.extensions.get(KEPT_IDS)
    if held is None or held[0] != key:
        held = current_app.extensions[KEPT_IDS] = (key, {})
    known: dict[tuple[str, str], int] = held[1]
    table = model.__tablename__
    missing = [slug for slug in slugs if (table, slug) not in known]
    if missing:
        found = session.execute(select(model.slug, model.id).where(model.slug.in_(missing)))
        for slug, item_id in found:
            known[(table, slug)] = item_id
    return [known[(table, slug)] for slug in slugs if (table, slug) in known]


def build(
    session: AnySession,
    query: SearchQuery,
    reading: Reading,
    location: Location | None,
    *,
    score_min_count: int,
    score_since: datetime,
    lists_key: object = None,
) -> queries.Filters | None:
    """The search's filters, as SQL conditions and as conditions of the precomputed sets
    (`terms`); None when a filter names nothing that exists.

    `score_min_count`, `score_since`: the public score rule's minimum number of reviews and
    the oldest fetch still fresh ("Alleen met score"). `lists_key`: keep the ids of
    specialism and recognition slugs in the process under this key (`list_ids`); None reads
    them from SQL.
    """
    filters = queries.Filters()
    terms: list[Term] = []
    if reading.groups:
        filters.id_sets += text_groups(
            session.get_bind().dialect.name,
            [g.words for g in reading.groups],
            [g.specialism_ids for g in reading.groups],
        )
        terms += [Term(g.words, g.specialism_ids) for g in reading.groups]
    for slugs, model, name in (
        (query.vakgebied, Specialism, "specialism"),
        (query.erkenning, Recognition, "recognition"),
    ):
        if not slugs:
            continue
        if lists_key is None:
            found = session.scalars(select(model.id).where(model.slug.in_(slugs))).all()
        else:
            found = list_ids(session, model, slugs, key=lists_key)
        if len(found) < len(slugs):
            return None
        for n, item_id in enumerate(sorted(found)):
            sql = _LIST_FILTERS[name].replace(f":{name}", f":{name}_{n}")
            filters.id_sets.append(queries.IdFilter(sql, {f"{name}_{n}": item_id}))
            terms.append(Term(specialism_ids=(item_id,)) if model is Specialism
                         else Term(recognition_ids=(item_id,)))  # fmt: skip
    filters.terms = terms
    if query.score:  # depends on the moment of judging: no precomputed set
        filters.id_sets.append(
            queries.IdFilter(_WITH_SCORE, _score_params(session, score_min_count, score_since))
        )
        filters.terms = None
    if location is not None:
        filters.center, filters.radius_km = location.point, query.straal
    return filters
