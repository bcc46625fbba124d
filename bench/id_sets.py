"""What the ledenzoeker's matching sets cost per directory version (issue 19).

Usage: python bench/id_sets.py DATABASE_URL [REPEAT]
Prints, for the database's public rows: the time to build the sets from the database, to turn
them into the shared cache's text and back, the size of that text, and the memory a process
holds for them (tracemalloc, after the read-back, the text freed). The best of REPEAT runs
(default 3) is printed for each time. Runs against whichever `portal` package is first on the
path, so the same script measures an older checkout (its JSON form) for a before/after.
"""

from __future__ import annotations

import gc
import os
import sys
import time
import tracemalloc
from functools import partial

sys.path.insert(0, os.getcwd())

from portal import create_app
from portal.directory import id_index
from portal.extensions import db


def _forms() -> tuple:
    if hasattr(id_index, "to_text"):
        return "binary", lambda index: id_index.to_text(index, "bench"), id_index.from_text
    return "json", id_index.to_json, id_index.from_json


def best(repeat: int, run) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    url, repeat = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DIRECTORY_CACHE_REDIS_URL": ""})
    name, dump, load = _forms()
    with app.app_context():
        built_s, index = best(repeat, lambda: id_index.build(db.session))
        db.session.rollback()
        dump_s, body = best(repeat, partial(dump, index))
        load_s, _again = best(repeat, partial(load, body))
        index = _again = None
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        held = load(body)
        size = len(body.encode())
        body = ""
        gc.collect()
        memory = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        print(
            f"{name}: members {len(held.ids)}, build {built_s * 1000:.0f} ms, "
            f"encode {dump_s * 1000:.0f} ms, cache entry {size / 1e6:.2f} MB, "
            f"read back {load_s * 1000:.0f} ms, held {memory / 1e6:.1f} MB"
        )


if __name__ == "__main__":
    main()
