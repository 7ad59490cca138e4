"""Command line: ``hubstudy crawl|build|nightly|demo|reports|sql|replay``.

Common flags: ``--endpoint`` (default ``HF_ENDPOINT``, else https://huggingface.co) and
``--data-dir`` (default ``HUBSTUDY_DATA_DIR``, else ./data).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from .errors import HubstudyError

log = logging.getLogger("hubstudy")


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def _emit(msg: str) -> None:
    log.info(msg)


def _common(p: argparse.ArgumentParser, endpoint: bool = True) -> None:
    if endpoint:
        p.add_argument("--endpoint", help="Hub base URL (default: $HF_ENDPOINT, else https://huggingface.co)")
    p.add_argument("--data-dir", help="where snapshots and hub.duckdb live (default: $HUBSTUDY_DATA_DIR, else ./data)")
    p.add_argument("-v", "--verbose", action="store_true")


def _settings(a: argparse.Namespace, **extra: Any):
    from .pipeline import Settings

    kw: dict[str, Any] = {}
    for name in ("force", "recrawl", "anonymous", "full_build"):
        if getattr(a, name, None):
            kw[name] = True
    if getattr(a, "types", None):
        kw["repo_types"] = tuple(t.strip() for t in a.types.split(",") if t.strip())
        bad = [t for t in kw["repo_types"] if t not in ("model", "dataset", "space")]
        if bad:
            raise HubstudyError(f"--types takes model,dataset,space; got {', '.join(bad)}")
    if getattr(a, "page_size", None):
        if not 1 <= a.page_size <= 1000:
            raise HubstudyError("--page-size must be between 1 and 1000")
        kw["page_size"] = a.page_size
    if getattr(a, "page_workers", None) is not None:
        if a.page_workers < 0:
            raise HubstudyError("--page-workers must be 0 or more")
        kw["page_workers"] = a.page_workers
    if getattr(a, "generated", None):
        kw["generated_world"] = True
    kw.update(extra)
    return Settings.from_args(endpoint=getattr(a, "endpoint", None), data_dir=a.data_dir,
                              reports_dir=getattr(a, "reports_dir", None), date=getattr(a, "date", None), **kw)


def cmd_crawl(a: argparse.Namespace) -> int:
    from .pipeline import resolve_parents, run_crawl, run_eval_fetch
    from .storage import DataDir

    s = _settings(a)
    with DataDir(s.data_dir).lock(), s.client() as client:
        for r in run_crawl(s, client, _emit):
            note = " (already complete; --recrawl to redo)" if r["skipped"] else ""
            print(f"{r['repo_type']}s: {r['status']} [{r['mode']}] {r['rows']:,} repos, {r['listing_requests']} listing requests{note}")
        resolve_parents(s, client, _emit)
        if not a.no_evals:
            run_eval_fetch(s, client, _emit)
    return 0


def cmd_build(a: argparse.Namespace) -> int:
    from .pipeline import run_build
    from .storage import DataDir

    s = _settings(a)
    with DataDir(s.data_dir).lock():
        r = run_build(s, _emit)
    print(f"published {r.db_path} for {r.snapshot_date} in {r.seconds:.1f}s")
    return 0


def cmd_nightly(a: argparse.Namespace) -> int:
    s = _settings(a)
    if a.no_prefect:
        from .pipeline import nightly

        out = nightly(s, _emit)
        db = out["build"].db_path
    else:
        from . import prefect_api

        # Before Prefect is imported: the temporary API's start-up overlaps that import.
        api = getattr(a, "prefect_api", None) or prefect_api.start()
        try:
            from .flows import nightly as flow

            with prefect_api.settings_for(api):
                out = flow(endpoint=s.endpoint, data_dir=str(s.data_dir), reports_dir=str(s.reports_dir), date=s.date,
                           force=s.force, recrawl=s.recrawl, anonymous=bool(a.anonymous), page_workers=s.page_workers,
                           full_build=s.full_build)
        finally:
            if api is not None:
                api.stop()
        db = out["build"]["db"]
    print(f"database: {db}")
    print(f"reports:  {s.reports_dir / 'index.html'}")
    return 0


def cmd_reports(a: argparse.Namespace) -> int:
    from .pipeline import run_reports

    s = _settings(a, anonymous=True)
    pages = run_reports(s, _emit)
    print(f"{len(pages)} files; open {s.reports_dir / 'index.html'}")
    return 0


def cmd_sql(a: argparse.Namespace) -> int:
    import duckdb

    from .storage import DataDir

    db = DataDir(a.data_dir or os.environ.get("HUBSTUDY_DATA_DIR") or "data").db
    if not db.exists():
        raise HubstudyError(f"no database at {db}: run `hubstudy nightly` (or `hubstudy demo`) first")
    con = duckdb.connect(str(db), read_only=True)
    try:
        rel = con.sql(a.query)
        if rel is None:
            return 0
        if a.format == "csv":
            import csv

            w = csv.writer(sys.stdout)
            w.writerow(rel.columns)
            w.writerows(rel.fetchall())
        elif a.format == "json":
            import orjson

            rows = [dict(zip(rel.columns, r)) for r in rel.fetchall()]
            sys.stdout.write(orjson.dumps(rows, default=str, option=orjson.OPT_INDENT_2).decode() + "\n")
        else:
            rel.show(max_rows=a.max_rows, max_width=10_000)
    except duckdb.Error as exc:
        raise HubstudyError(f"query failed: {exc}") from None
    finally:
        con.close()
    return 0


def cmd_replay(a: argparse.Namespace) -> int:
    from . import replay

    if a.replay_cmd == "generate":
        t0 = time.monotonic()
        m = replay.generate(a.out, models=a.models, datasets=a.datasets, spaces=a.spaces, seed=a.seed)
        print(f"world written to {a.out} in {time.monotonic() - t0:.1f}s: {m.get('counts', m)}")
    elif a.replay_cmd == "mutate":
        m = replay.mutate(a.world, changed=a.changed, new=a.new, seed=a.seed)
        print(f"world {a.world} advanced: {m.get('counts', m)}")
    elif a.replay_cmd == "serve":
        faults = replay.parse_faults(a.faults) if a.faults else None
        srv = replay.ReplayServer(a.world, host=a.host, port=a.port, quota=a.quota, window=a.window, faults=faults)
        srv.start()
        print(f"replay serving {a.world} at {srv.url}  (export HF_ENDPOINT={srv.url}); Ctrl-C stops", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            srv.stop()
    return 0


def cmd_demo(a: argparse.Namespace) -> int:
    from . import replay

    api = None
    if not a.no_prefect:
        from . import prefect_api

        api = prefect_api.start()  # starts while the world is generated and served
    try:
        root = Path(a.dir).resolve()
        world = root / "world"
        data = Path(a.data_dir).resolve() if a.data_dir else root / "data"
        reports = Path(a.reports_dir).resolve() if a.reports_dir else Path("reports").resolve()
        if not (world / "world.json").exists() or a.regenerate:
            log.info(f"demo: generating a synthetic Hub ({a.models:,} models, seed {a.seed}) in {world}")
            replay.generate(world, models=a.models, datasets=a.models // 2, spaces=a.models // 3, seed=a.seed)
        with replay.ReplayServer(world) as srv:
            log.info(f"demo: local Hub replay at {srv.url}")
            ns = argparse.Namespace(endpoint=srv.url, data_dir=str(data), reports_dir=str(reports), date=a.date,
                                    force=False, recrawl=True, anonymous=True, no_prefect=a.no_prefect, generated=True,
                                    types=None, verbose=a.verbose, prefect_api=api)
            cmd_nightly(ns)
    finally:
        if api is not None:
            api.stop()
    print("This demo ran against a GENERATED world: its numbers are synthetic, not findings.")
    exe = sys.argv[0] if sys.argv and sys.argv[0].endswith("hubstudy") else "hubstudy"
    print(f"Query it:  {exe} sql --data-dir {data} \"SELECT relation, count(*) FROM lineage GROUP BY ALL\"")
    print(f"Read it:   open {reports / 'index.html'} in a browser")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hubstudy", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    c = sub.add_parser("crawl", help="crawl models, datasets and spaces into today's Parquet snapshot")
    _common(c)
    c.add_argument("--date", help="snapshot date (default: today, UTC)")
    c.add_argument("--types", help="comma-separated subset of model,dataset,space")
    c.add_argument("--recrawl", action="store_true", help="redo a snapshot that is already complete")
    c.add_argument("--anonymous", action="store_true", help="send no token")
    c.add_argument("--no-evals", action="store_true", help="skip downloading the eval source files")
    c.add_argument("--page-workers", type=int, default=None, help="processes that decode and write pages (default: 2 on a machine with 2+ cores, else 0 = in the crawl process; env HUBSTUDY_PAGE_WORKERS)")
    c.add_argument("--page-size", type=int, default=1000, help=argparse.SUPPRESS)  # tests and benchmarks only
    c.set_defaults(fn=cmd_crawl)

    b = sub.add_parser("build", help="build hub.duckdb from the snapshots and publish it atomically")
    _common(b, endpoint=False)
    b.add_argument("--date", help="snapshot date to build (default: the latest complete one)")
    b.add_argument("--force", action="store_true", help="publish even if the quality gate fails")
    b.add_argument("--full-build", action="store_true",
                   help="rebuild every table from the snapshots instead of starting from the published database")
    b.set_defaults(fn=cmd_build)

    n = sub.add_parser("nightly", help="crawl -> build -> analyses -> reports (a Prefect flow)")
    _common(n)
    n.add_argument("--reports-dir", help="where reports go (default: ./reports)")
    n.add_argument("--date", help="snapshot date (default: today, UTC)")
    n.add_argument("--force", action="store_true", help="publish even if the quality gate fails")
    n.add_argument("--full-build", action="store_true",
                   help="rebuild every table from the snapshots instead of starting from the published database")
    n.add_argument("--recrawl", action="store_true", help="redo a snapshot that is already complete")
    n.add_argument("--anonymous", action="store_true", help="send no token")
    n.add_argument("--no-prefect", action="store_true", help="run the same steps without Prefect")
    n.add_argument("--page-workers", type=int, default=None, help="processes that decode and write pages (default: 2 on a machine with 2+ cores, else 0 = in the crawl process; env HUBSTUDY_PAGE_WORKERS)")
    n.set_defaults(fn=cmd_nightly, generated=False, types=None)

    d = sub.add_parser("demo", help="offline demo: generate a Hub, serve it on 127.0.0.1, run nightly against it")
    d.add_argument("--dir", default="data/demo", help="demo folder (world + data), default data/demo")
    d.add_argument("--data-dir")
    d.add_argument("--reports-dir", help="default ./reports")
    d.add_argument("--models", type=int, default=20000)
    d.add_argument("--seed", type=int, default=7)
    d.add_argument("--date", default=None)
    d.add_argument("--regenerate", action="store_true")
    d.add_argument("--no-prefect", action="store_true")
    d.add_argument("-v", "--verbose", action="store_true")
    d.set_defaults(fn=cmd_demo)

    r = sub.add_parser("reports", help="(re)write the Altair reports from hub.duckdb")
    _common(r, endpoint=False)
    r.add_argument("--reports-dir")
    r.set_defaults(fn=cmd_reports)

    q = sub.add_parser("sql", help="run a query on hub.duckdb (read-only)")
    q.add_argument("query")
    q.add_argument("--data-dir")
    q.add_argument("--format", choices=("table", "csv", "json"), default="table")
    q.add_argument("--max-rows", type=int, default=100)
    q.add_argument("-v", "--verbose", action="store_true")
    q.set_defaults(fn=cmd_sql)

    rp = sub.add_parser("replay", help="the local Hub replay")
    rsub = rp.add_subparsers(dest="replay_cmd", required=True)
    g = rsub.add_parser("generate", help="write a synthetic Hub world")
    g.add_argument("--out", required=True)
    g.add_argument("--models", type=int, default=20000)
    g.add_argument("--datasets", type=int, default=None)
    g.add_argument("--spaces", type=int, default=None)
    g.add_argument("--seed", type=int, default=0)
    mu = rsub.add_parser("mutate", help="advance a world by one day")
    mu.add_argument("--world", required=True)
    mu.add_argument("--changed", type=int, default=100)
    mu.add_argument("--new", type=int, default=50)
    mu.add_argument("--seed", type=int, default=1)
    sv = rsub.add_parser("serve", help="serve a world over HTTP")
    sv.add_argument("--world", required=True)
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8765)
    sv.add_argument("--quota", type=int, default=None, help="requests per window (429 beyond)")
    sv.add_argument("--window", type=int, default=300, help="rate-limit window in seconds")
    sv.add_argument("--faults", default=None, help="fault injection spec (see hubstudy.replay.server)")
    for x in (g, mu, sv):
        x.add_argument("-v", "--verbose", action="store_true")
    rp.set_defaults(fn=cmd_replay)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(getattr(args, "verbose", False))
    if args.cmd == "replay" and args.replay_cmd == "generate":
        args.datasets = args.datasets if args.datasets is not None else args.models // 2
        args.spaces = args.spaces if args.spaces is not None else args.models // 3
    try:
        return args.fn(args)
    except HubstudyError as exc:
        print(f"hubstudy: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hubstudy: interrupted; completed pages are kept and the next run resumes from them", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
