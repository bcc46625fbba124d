"""WSGI entry for the benchmark: the real app plus a hello endpoint as the ceiling."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from portal import create_app
from portal.directory import cache, id_index, vocabulary
from portal.extensions import db

app = create_app()
# 0 measures the search without the shared fragment cache.
app.config["DIRECTORY_RESULT_CACHE_SECONDS"] = int(
    os.environ.get("DIRECTORY_RESULT_CACHE_SECONDS", "3600")
)

# Keys of one benchmark run stay apart from everything else in that Redis database.
app.config["DIRECTORY_CACHE_REDIS_PREFIX"] = os.environ.get(
    "DIRECTORY_CACHE_REDIS_PREFIX", "ledenportaal-bench:"
)


@app.get("/_bench/hello")
def hello() -> str:
    """The cheapest page of the same app: every hook runs, no query, no template."""
    return "hello"


# What each worker keeps per directory version, by the extension it is kept under.
HELD = {"sets": id_index.EXTENSION, "vocabulary": vocabulary.EXTENSION}


@app.get("/_bench/ready")
def ready() -> dict:
    """This worker's pid and which per-version structures it holds (bench/directory.py warms
    up until every worker holds those its row needs); "shared": the shared matching sets of
    the current generation are stored (their build after a search is over; a row of cache
    hits never asks a worker for the sets). Only in the benchmark's app."""
    kept = {name: app.extensions.get(key) for name, key in HELD.items()}
    held = [name for name, entry in kept.items() if entry is not None and entry[1] is not None]
    if cache.copy_head(db.session, (id_index.CACHE_KEY,)) == cache.generation(db.session)[1]:
        held.append("shared")
    db.session.rollback()
    return {"pid": os.getpid(), "held": held}
