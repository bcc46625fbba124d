"""The ledenzoeker's search core alone: CPU time per call of services.search over the mix.

bench/directory_inprocess.py times whole requests; this one serves the same mix through the
test client (shared result cache off) and times only `services.search` and the parsing of
the query string (`SearchQuery.from_args`), per kind of query, so that a change of the search
core shows above the noise of the rest of the request. One pass warms the process, then each
pass is timed; the figures are each query's least disturbed pass.

    .venv/bin/python bench/search_core.py DATABASE_URL [--passes 5] [--count 3000]
        [--sample N] [--against DIR [--rounds 3]]

`--sample N`: a CPU-time sampler (SIGPROF every 0.2 ms of CPU; the kernel's tick may make
it coarser) over the timed passes, counting only the samples taken inside services.search: the N functions most often on the stack and at its
top. `--against DIR`: alternate runs of this checkout and the one at DIR (each in a fresh
process) and print the pairs.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs

HERE = Path(__file__).resolve()
HX = {"HX-Request": "true", "HX-Target": "directory-results", "HX-Current-URL": "/ledenzoeker/"}


def _kind(path: str) -> str:
    args = parse_qs(path.partition("?")[2])
    q = args.get("q", [""])[0]
    if args.get("postcode"):
        return "circle+specialism" if args.get("vakgebied") else "circle"
    if args.get("vakgebied"):
        return "specialism"
    if " " in q:
        return "word+place"
    if q:
        return "word, page>1" if args.get("page") else "word"
    return "everyone, page>1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--sample", type=int, default=0)
    parser.add_argument("--against", default="")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--root", default="", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.against:
        _paired(args)
        return
    root = Path(args.root).resolve() if args.root else HERE.parent.parent
    result = _run(root, args)
    if args.json:
        print(json.dumps(result))
        return
    print(f"load average: {os.getloadavg()[0]:.1f}; root {root}")
    for kind, (n, search_us, parse_us) in sorted(result["kinds"].items()):
        print(f"  {kind:<20} {n:5d} queries  search {search_us:7.1f} µs  parse {parse_us:5.1f} µs")
    print(f"all: search {result['search']:.1f} µs, parse {result['parse']:.1f} µs per request")


def _run(root: Path, args: argparse.Namespace) -> dict:
    os.environ.update({
        "DATABASE_URL": args.url, "RATELIMIT_ENABLED": "false", "LOG_JSON": "false",
        "SECRET_KEY": "benchmark-only-secret-key-0123456789abcdef",
        "DIRECTORY_FORGIVING_SEARCH": "true",
    })  # fmt: skip
    sys.path.insert(0, str(root))
    sys.path.insert(1, str(HERE.parent))
    import directory  # bench/directory.py: the mix as the wrk benchmark builds it

    from portal import create_app
    from portal.directory import forms, services

    app = create_app()
    app.config["DIRECTORY_RESULT_CACHE_SECONDS"] = 0
    paths = [f"/ledenzoeker/?{q}" for q in directory._mix(args.url)][: args.count]
    client = app.test_client()
    spent = {"search": 0, "parse": 0}
    search, from_args = services.search, forms.SearchQuery.from_args.__func__
    sampler: _Sampler | None = None

    def timed_search(*a, **k):
        start = time.thread_time_ns()
        if sampler is not None:
            sampler.inside = True
        try:
            return search(*a, **k)
        finally:
            if sampler is not None:
                sampler.inside = False
            spent["search"] += time.thread_time_ns() - start

    def timed_parse(cls, values):
        start = time.thread_time_ns()
        try:
            return from_args(cls, values)
        finally:
            spent["parse"] += time.thread_time_ns() - start

    services.search = timed_search
    forms.SearchQuery.from_args = classmethod(timed_parse)  # type: ignore[method-assign]
    best: dict[str, list[int]] = {"search": [], "parse": []}
    for n in range(args.passes + 1):
        if args.sample and n == 1:
            sampler = _Sampler()
        times: dict[str, list[int]] = {"search": [], "parse": []}
        for path in paths:
            spent["search"] = spent["parse"] = 0
            response = client.get(path, headers=HX)
            if response.status_code != 200:
                raise SystemExit(f"{path}: status {response.status_code}")
            for key in times:
                times[key].append(spent[key])
        if n == 0:
            continue  # the warm pass
        for key in times:
            best[key] = times[key] if not best[key] else list(map(min, best[key], times[key]))
    if sampler is not None:
        sampler.stop(args.sample)
    kinds: dict[str, list[int]] = collections.defaultdict(list)
    for i, path in enumerate(paths):
        kinds[_kind(path)].append(i)
    return {
        "search": statistics.mean(best["search"]) / 1000,
        "parse": statistics.mean(best["parse"]) / 1000,
        "kinds": {
            kind: (
                len(at),
                statistics.mean(best["search"][i] for i in at) / 1000,
                statistics.mean(best["parse"][i] for i in at) / 1000,
            )
            for kind, at in kinds.items()
        },
    }


class _Sampler:
    """SIGPROF every 0.2 ms of CPU; counts only samples taken inside services.search."""

    def __init__(self) -> None:
        self.inclusive: collections.Counter = collections.Counter()
        self.own: collections.Counter = collections.Counter()
        self.samples = 0
        self.inside = False
        signal.signal(signal.SIGPROF, self._sample)
        signal.setitimer(signal.ITIMER_PROF, 0.0002, 0.0002)

    def _sample(self, _signum, frame) -> None:
        if not self.inside:
            return
        self.samples += 1
        seen, top = set(), True
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
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        print(f"{self.samples} samples inside services.search", file=sys.stderr)
        for title, counter in (("inclusive", self.inclusive), ("self", self.own)):
            print(f"--- {title}", file=sys.stderr)
            for name, count in counter.most_common(top):
                print(f"{100 * count / self.samples:6.1f} %  {name}", file=sys.stderr)


def _paired(args: argparse.Namespace) -> None:
    roots = {"this": HERE.parent.parent, "against": Path(args.against).resolve()}
    common = [args.url, "--passes", str(args.passes), "--count", str(args.count), "--json"]
    figures: dict[str, list[dict]] = {"this": [], "against": []}
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for n in range(args.rounds):
        order = ("against", "this") if n % 2 == 0 else ("this", "against")
        for name in order:
            # The script of this checkout in both runs: the other checkout may not have it.
            command = [sys.executable, str(HERE), *common, "--root", str(roots[name])]
            out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            result = json.loads(out.strip().splitlines()[-1])
            figures[name].append(result)
            print(f"  round {n + 1} {name:<8} search {result['search']:.1f} µs, parse "
                  f"{result['parse']:.1f} µs (load {os.getloadavg()[0]:.1f})", flush=True)  # fmt: skip
    for name in ("against", "this"):
        runs = figures[name]
        print(f"{name:<8} search median {statistics.median(r['search'] for r in runs):.1f} µs, "
              f"parse {statistics.median(r['parse'] for r in runs):.1f} µs  ({roots[name]})")  # fmt: skip
        for kind in sorted(runs[0]["kinds"]):
            values = [r["kinds"][kind][1] for r in runs]
            print(f"    {kind:<20} {statistics.median(values):7.1f} µs")


if __name__ == "__main__":
    sys.exit(main())
