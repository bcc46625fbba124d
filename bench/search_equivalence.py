"""Randomized equivalence of the ledenzoeker's search core: the matching sets against the SQL,
and this checkout against another one, over many random searches of a benchmark database.

    .venv/bin/python bench/search_equivalence.py DATABASE_URL [--count 1000] [--seed 19]
        [--no-sql] [--against DIR]

Random searches (seeded): prefixes of the directory's words and misspellings of them, trade
words, places and postcodes with every radius and random ones (0 and the largest included),
places with specialisms, recognitions and words, several specialisms at once, slugs that name
nothing, pages from the first to far beyond the last. Each is answered by services.search with
the matching sets (as the routes do) and, unless `--no-sql`, again without them (the SQL of
queries.py): total, the page's company ids and distances, the location and the suggestion must
be equal. `--against DIR`: the same searches in the checkout at DIR (a fresh process) must give
the same answers, search by search. Reads only; nothing is written but the offline geocoder's
memo in the process.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--no-sql", action="store_true")
    parser.add_argument("--against", default="")
    parser.add_argument("--root", default="", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    root = Path(args.root).resolve() if args.root else HERE.parent.parent
    if args.against:
        mine, problems = _child(root, args, sql=not args.no_sql)
        theirs, _ = _child(Path(args.against).resolve(), args, sql=False)
        differ = [q for q in mine if mine[q] != theirs.get(q)]
        print(f"{len(mine)} searches; this and {args.against}: {len(differ)} differ")
        for q in differ[:10]:
            print(f"  {q}")
        if not args.no_sql:
            print(f"sets against SQL: {len(problems)} differ")
        for problem in problems[:10]:
            print(f"  {problem}")
        sys.exit(1 if differ or problems else 0)
    answers, problems = _run(root, args)
    if args.json:
        print(json.dumps({"answers": answers, "problems": problems}))
        return
    print(f"{len(answers)} searches; sets against SQL: {len(problems)} differ")
    for problem in problems[:10]:
        print(f"  {problem}")
    sys.exit(1 if problems else 0)


def _child(root: Path, args: argparse.Namespace, *, sql: bool) -> tuple[dict, list[str]]:
    command = [sys.executable, str(HERE), args.url, "--count", str(args.count), "--seed",
               str(args.seed), "--root", str(root), "--json"] + ([] if sql else ["--no-sql"])  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=False)
    if out.returncode:
        raise SystemExit(f"{root}: {out.stderr[-2000:]}")
    found = json.loads(out.stdout.strip().splitlines()[-1])
    return found["answers"], found["problems"]


def _run(root: Path, args: argparse.Namespace) -> tuple[dict[str, str], list[str]]:
    os.environ.update({
        "DATABASE_URL": args.url, "RATELIMIT_ENABLED": "false", "LOG_JSON": "false",
        "SECRET_KEY": "benchmark-only-secret-key-0123456789abcdef",
        "DIRECTORY_FORGIVING_SEARCH": "true",
    })  # fmt: skip
    sys.path.insert(0, str(root))
    from sqlalchemy import text
    from werkzeug.datastructures import MultiDict

    from portal import create_app
    from portal.directory import routes, services
    from portal.directory.forms import SearchQuery
    from portal.extensions import db

    app = create_app()
    app.config["DIRECTORY_RESULT_CACHE_SECONDS"] = 0
    answers: dict[str, str] = {}
    problems: list[str] = []
    with app.test_request_context("/ledenzoeker/"):
        rows = db.session.execute(text("SELECT search_text, city, postcode FROM directory_entries"))
        words, places, postcodes = set(), set(), set()
        for search_text, city, postcode in rows:
            words.update(search_text.split())
            places.add(city or "")
            postcodes.add((postcode or "")[:4])
        slugs = {
            kind: [r[0] for r in db.session.execute(statement)]
            for kind, statement in (
                ("specialisms", text("SELECT slug FROM specialisms ORDER BY slug")),
                ("recognitions", text("SELECT slug FROM recognitions ORDER BY slug")),
            )
        }
        db.session.rollback()
        queries = _queries(random.Random(args.seed), args.count, sorted(words),
                           sorted(p for p in places if p), sorted(p for p in postcodes if p),
                           slugs)  # fmt: skip
        real = services.search
        for q in queries:
            query = SearchQuery.from_args(MultiDict(q))
            key = json.dumps(q)
            sets = _answer(routes._search(query))
            answers[key] = hashlib.sha256(sets.encode()).hexdigest()
            if not args.no_sql:
                services.search = lambda *a, **k: real(*a, **{**k, "id_index": None})
                try:
                    in_sql = _answer(routes._search(query))
                finally:
                    services.search = real
                if in_sql != sets:
                    problems.append(f"{key}: sets {sets[:200]} / SQL {in_sql[:200]}")
    return answers, problems


def _answer(result) -> str:
    return repr((result.total, result.entries, result.location, result.location_error,
                 result.suggestion, result.order))  # fmt: skip


def _queries(rng, count, words, places, postcodes, slugs) -> list[list[tuple[str, str]]]:
    def word() -> str:
        w = rng.choice(words)
        kind = rng.randrange(4)
        if kind == 0 and len(w) > 4:  # a misspelling: a letter dropped
            i = rng.randrange(1, len(w) - 1)
            return w[:i] + w[i + 1 :]
        return w[: rng.randint(1, len(w))] if kind == 1 else w

    radii = ("5", "10", "25", "50", "0", "7", "")  # not offered: the default radius
    found = []
    for _ in range(count):
        q: list[tuple[str, str]] = []
        if rng.random() < 0.5:
            q.append(("q", " ".join(word() for _ in range(rng.choice((1, 1, 1, 2, 3))))))
        if rng.random() < 0.45:
            where = rng.choice(places) if rng.random() < 0.6 else rng.choice(postcodes)
            q.append(("postcode", where if rng.random() < 0.95 else "Nergenshuizen"))
            q.append(("straal", rng.choice(radii)))
        for kind, name in (("specialisms", "vakgebied"), ("recognitions", "erkenning")):
            if slugs[kind] and rng.random() < 0.25:
                for _ in range(rng.choice((1, 1, 2))):
                    q.append((name, rng.choice(slugs[kind]) if rng.random() < 0.95 else "geen"))
        if rng.random() < 0.3:
            q.append(("page", str(rng.choice((2, 3, 5, 10, 50, 300, 5000, 100000)))))
        found.append(q)
    return found


if __name__ == "__main__":
    sys.exit(main())
