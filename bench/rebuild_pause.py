"""The ledenzoeker's rebuild pause (issue 19): the first searches of two workers after a change.

Usage: python bench/rebuild_pause.py DATABASE_URL MODE FORGIVING
Two workers are two apps of one process (each keeps its own per-process copies). Each searches
twice to warm up, then the directory version moves on and each worker's first three searches
are timed (wall time through the test client; distinct queries, so no page-cache hit hides
the cost). MODE: `old` (an older checkout, where the first worker builds the sets), `builder`
(the changer builds them first, timed apart: no visitor waits for it) or `window` (searches
before any builder ran: the SQL path, and a build after the first response). FORGIVING: 1 or
0 (DIRECTORY_FORGIVING_SEARCH). Runs against whichever `portal` package is first on the path.
Moves the version of the database on: use a benchmark copy.
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.getcwd())

from portal import create_app
from portal.extensions import db

HTMX = {"HX-Request": "true", "HX-Target": "directory-results"}
QUERIES = (
    ("q=ba", "vakgebied=verwarming&page=3", "postcode=Utrecht&straal=25&q=j"),
    ("q=ja", "vakgebied=sanitair&page=2", "postcode=Amersfoort&straal=50&q=b"),
)


def timed(app, query: str, tag: str) -> tuple[float, float]:
    """Seconds until the body was read, and seconds of the work after the response."""
    with app.app_context():
        client = app.test_client()
        start = time.perf_counter()
        response = client.get(f"/ledenzoeker/?{query}&x={tag}", headers=HTMX)
        response.get_data()
        answered = time.perf_counter() - start
        start = time.perf_counter()
        response.close()  # what the server does once the response is sent
        return answered, time.perf_counter() - start


def main() -> None:
    url, mode, forgiving = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
    config = {
        "SQLALCHEMY_DATABASE_URI": url, "DIRECTORY_CACHE_REDIS_URL": "",
        "RATELIMIT_ENABLED": False, "DIRECTORY_FORGIVING_SEARCH": forgiving,
    }  # fmt: skip
    workers = [create_app(config) for _ in range(2)]
    tag = str(time.time_ns())
    for n, app in enumerate(workers):
        timed(app, f"q=warm{n}", tag)
        timed(app, f"q=de{n}", tag)
    with workers[0].app_context():
        db.session.execute(db.text("UPDATE directory_state SET version = version + 1"))
        db.session.commit()
    if mode == "builder":
        from portal.directory import id_index

        with workers[0].app_context():
            start = time.perf_counter()
            built = id_index.share(wait=True)
            print(f"builder: {1000 * (time.perf_counter() - start):.0f} ms, version {built}")
    for n, app in enumerate(workers):
        times = [timed(app, query, tag) for query in QUERIES[n]]
        print(
            f"worker {n + 1}: "
            + ", ".join(
                f"{1000 * answered:.0f} ms"
                + (f" (+{1000 * after:.0f} ms after the response)" if after > 0.005 else "")
                for answered, after in times
            )
        )


if __name__ == "__main__":
    main()
