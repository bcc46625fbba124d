"""Ledenzoeker miss cost in-process: CPU time per htmx live search over the realistic mix.

The wrk benchmark (bench/directory.py) shares the machine's CPUs with wrk, the database and
whatever else runs; this one counts only the CPU time of the process serving the requests
(Flask test client, shared result cache off, as `mix-nc`), so figures taken on a busy machine
still compare. One pass through the mix warms the process (sets, vocabulary, card parts),
then each pass is timed.

    .venv/bin/python bench/directory_inprocess.py DATABASE_URL [--passes 3] [--count 3000]
        [--plain] [--cache SECONDS] [--cold] [--profile N] [--digest [--headers]]
        [--against DIR [--rounds 3]]

DATABASE_URL: a database filled by bench/gen_companies.py. `--plain`: the forgiving search
off (DIRECTORY_FORGIVING_SEARCH=false). `--cache SECONDS`: the shared result cache on (as
`mix`; every query of the mix is distinct, so each request is a miss that also stores its
fragment; the wall time then includes the database's commits). `--profile N`: cProfile over one timed pass, the N
costliest functions by own and cumulative time. `--digest`: a SHA-256 over every response
status and body (compare two checkouts: equal digests mean byte-identical answers);
`--headers` adds every response header but Date to it. `--cold`: each timed pass starts with
no kept cards (portal/directory/cards.py), as a fresh worker does: nearly every card of the
pass is read and rendered for the first time. Each pass also reports the 99th percentile of
the CPU time of one request.
`--against DIR`: alternate runs of this checkout and the checkout at DIR (each in its own
process, same database, `--rounds` times) and print the pairs (each run's best pass: on a
shared machine other processes only ever add to the CPU time of a pass).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
HX = {"HX-Request": "true", "HX-Target": "directory-results", "HX-Current-URL": "/ledenzoeker/"}


def main() -> None:
    args = _arguments()
    if args.against:
        _paired(args)
        return
    root = Path(args.root).resolve() if args.root else HERE.parent.parent
    result = _run(root, args)
    if args.json:
        print(json.dumps(result))
        return
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; root {root}")
    print(f"{result['requests']} requests per pass ({'plain' if args.plain else 'forgiving'})")
    figures = zip(result["passes"], result["walls"], result["p99s"], strict=True)
    for n, (ms, wall, p99) in enumerate(figures, 1):
        print(f"  pass {n}: {ms:.3f} ms CPU per request, p99 {p99:.1f} ms CPU "
              f"({wall:.3f} ms wall)")  # fmt: skip
    print(f"median: {statistics.median(result['passes']):.3f} ms CPU per request, "
          f"best: {min(result['passes']):.3f} ms")  # fmt: skip
    if args.digest:
        print(f"digest: {result['digest']}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--plain", action="store_true")
    parser.add_argument("--cache", type=int, default=0)
    parser.add_argument("--profile", type=int, default=0)
    parser.add_argument("--sample", type=int, default=0)
    parser.add_argument("--digest", action="store_true")
    parser.add_argument("--cold", action="store_true")
    parser.add_argument("--headers", action="store_true")
    parser.add_argument("--against", default="")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--root", default="", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def _run(root: Path, args: argparse.Namespace) -> dict:
    """Serve the mix through the test client of the checkout at `root`."""
    os.environ.update({
        "DATABASE_URL": args.url, "RATELIMIT_ENABLED": "false", "LOG_JSON": "false",
        "SECRET_KEY": "benchmark-only-secret-key-0123456789abcdef",
        "DIRECTORY_FORGIVING_SEARCH": "false" if args.plain else "true",
    })  # fmt: skip
    sys.path.insert(0, str(root))
    sys.path.insert(1, str(HERE.parent))
    import directory  # bench/directory.py: the mix as the wrk benchmark builds it

    from portal import create_app

    app = create_app()
    app.config["DIRECTORY_RESULT_CACHE_SECONDS"] = args.cache
    paths = [f"/ledenzoeker/?{q}" for q in directory._mix(args.url)][: args.count]
    client = app.test_client()
    _pass(client, paths)  # warm: sets, vocabulary, card parts, geocoder answers
    passes, walls, p99s, digest = [], [], [], ""
    for n in range(args.passes):
        profiler = sampler = None
        if args.sample and n == 0:
            sampler = _Sampler()
        if args.profile and n == 0:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        if args.cache:
            _forget_pages(app)  # each pass misses, as the distinct queries of live typing do
        if args.cold:
            app.extensions.pop("directory_cards", None)  # cards.EXTENSION: no kept cards
        seconds, wall, digest, each = _pass(client, paths, digest=args.digest, headers=args.headers)
        if profiler is not None:
            profiler.disable()
            _print_profile(profiler, args.profile)
        if sampler is not None:
            sampler.stop(args.sample)
        passes.append(seconds * 1000 / len(paths))
        walls.append(wall * 1000 / len(paths))
        p99s.append(statistics.quantiles(each, n=100)[98] * 1000)
    return {"requests": len(paths), "passes": passes, "walls": walls, "p99s": p99s,
            "digest": digest}  # fmt: skip


def _pass(
    client, paths: list[str], *, digest: bool = False, headers: bool = False
) -> tuple[float, float, str, list[float]]:
    """CPU and wall seconds of one pass, the digest of its answers when asked, and the CPU
    seconds of each request."""
    sha = hashlib.sha256()
    each = []
    start, wall = time.process_time(), time.perf_counter()
    for path in paths:
        before = time.process_time()
        response = client.get(path, headers=HX)
        each.append(time.process_time() - before)
        if digest:
            sha.update(f"{path} {response.status_code}\n".encode())
            if headers:
                sha.update(repr([h for h in response.headers if h[0] != "Date"]).encode())
            sha.update(response.get_data())
    return time.process_time() - start, time.perf_counter() - wall, sha.hexdigest(), each


def _forget_pages(app) -> None:
    """Drop the stored result fragments (the database table; the benchmark runs without Redis),
    not the shared matching sets and vocabulary kept in the same table."""
    from sqlalchemy import text

    from portal.extensions import db

    with app.app_context():
        db.session.execute(
            text("DELETE FROM directory_result_cache WHERE body LIKE '%id=\"directory-results\"%'")
        )
        db.session.commit()


def _print_profile(profiler, top: int) -> None:
    import pstats

    stats = pstats.Stats(profiler, stream=sys.stderr)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


class _Sampler:
    """A sampling profiler (SIGPROF every millisecond of CPU): far less distortion than
    cProfile. Prints the functions most often on the stack (inclusive) and at its top (self)."""

    def __init__(self) -> None:
        import collections
        import signal

        self.inclusive: collections.Counter = collections.Counter()
        self.own: collections.Counter = collections.Counter()
        self.samples = 0
        signal.signal(signal.SIGPROF, self._sample)
        signal.setitimer(signal.ITIMER_PROF, 0.001, 0.001)

    def _sample(self, _signum, frame) -> None:
        self.samples += 1
        seen = set()
        top = True
        while frame is not None:
            code = frame.f_code
            name = f"{code.co_filename.split('site-packages/')[-1]}:{code.co_name}"
            if top:
                self.own[name] += 1
                top = False
            if name not in seen:
                seen.add(name)
                self.inclusive[name] += 1
            frame = frame.f_back

    def stop(self, top: int) -> None:
        import signal

        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        print(f"{self.samples} samples", file=sys.stderr)
        for title, counter in (("inclusive", self.inclusive), ("self", self.own)):
            print(f"--- {title}", file=sys.stderr)
            for name, count in counter.most_common(top):
                print(f"{100 * count / self.samples:6.1f} %  {name}", file=sys.stderr)


def _paired(args: argparse.Namespace) -> None:
    """Alternate this checkout and the one at --against, each run in a fresh process."""
    roots = {"this": HERE.parent.parent, "against": Path(args.against).resolve()}
    common = [args.url, "--passes", str(args.passes), "--count", str(args.count), "--json"]
    common += ["--plain"] * args.plain + ["--digest"] * args.digest + ["--headers"] * args.headers
    common += ["--cache", str(args.cache)] + ["--cold"] * args.cold
    figures: dict[str, list[float]] = {"this": [], "against": []}
    digests: dict[str, set[str]] = {"this": set(), "against": set()}
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for n in range(args.rounds):
        order = ("against", "this") if n % 2 == 0 else ("this", "against")
        for name in order:
            command = [sys.executable, str(HERE), *common, "--root", str(roots[name])]
            out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            result = json.loads(out.strip().splitlines()[-1])
            figures[name].append(min(result["passes"]))  # the least disturbed pass
            digests[name].add(result["digest"])
            print(f"  round {n + 1} {name:<8} {figures[name][-1]:.3f} ms CPU per request "
                  f"(load {os.getloadavg()[0]:.1f})", flush=True)  # fmt: skip
    for name in ("against", "this"):
        print(f"{name:<8} median {statistics.median(figures[name]):.3f} ms, best "
              f"{min(figures[name]):.3f} ms  ({roots[name]})")  # fmt: skip
    if args.digest:
        same = digests["this"] == digests["against"] and len(digests["this"]) == 1
        print("bodies: " + ("byte-identical" if same else f"DIFFER {digests}"))


if __name__ == "__main__":
    sys.exit(main())
