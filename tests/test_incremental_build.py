"""An incremental build (a copy of the published database, with only what changed rewritten)
gives the same database as a full build of the same night.

Two nights over real HTTP against the local replay: night 1 is crawled and built; the world then
drifts (changed and new models, downloads moving) and loses repos (deleted models, one of them a
parent; deleted datasets and spaces) and a dataset's tags change. Night 2 is crawled once; the
data directory is copied, and night 2 is built three ways: incrementally, as a full build, and
incrementally after a night-1 snapshot folder changed (which must fall back to a full build).
Every table and view is compared row for row. Night 3 lists again a model that night 2 lacked.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import zlib
from pathlib import Path

import duckdb
import pytest

from hubstudy import replay
from hubstudy.build import build, incremental_base
from hubstudy.pipeline import Settings, resolve_parents, run_build, run_crawl, run_eval_fetch
from hubstudy.storage import DataDir

DAY1, DAY2, DAY3 = "2026-09-01", "2026-09-02", "2026-09-03"


def _drop_lines(path: Path, keep) -> list[dict]:
    """Rewrite a world JSONL without the records ``keep`` refuses; return the dropped ones."""
    kept, dropped = [], []
    for line in path.read_bytes().splitlines():
        if line.strip():
            (kept if keep(json.loads(line)) else dropped).append(line)
    path.write_bytes(b"".join(x + b"\n" for x in kept))
    return [json.loads(x) for x in dropped]


def _edit_lines(path: Path, edit) -> None:
    out = []
    for line in path.read_bytes().splitlines():
        if line.strip():
            out.append(json.dumps(edit(json.loads(line))).encode())
    path.write_bytes(b"".join(x + b"\n" for x in out))


def _night(world_url: str, data: Path, date: str) -> None:
    s = Settings.from_args(endpoint=world_url, data_dir=str(data), reports_dir=str(data / "reports"), date=date,
                           anonymous=True, page_workers=0)
    with s.client() as client:
        run_crawl(s, client)
        resolve_parents(s, client)
        run_eval_fetch(s, client)


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    root = tmp_path_factory.mktemp("incr")
    world, data = root / "world", root / "data"
    replay.generate(world, models=1500, datasets=400, spaces=300, seed=7)
    with replay.ReplayServer(world) as srv:
        _night(srv.url, data, DAY1)
        first = run_build(Settings.from_args(endpoint=srv.url, data_dir=str(data), date=DAY1, anonymous=True))
        replay.mutate(world, changed=80, new=25, seed=3)
        parents = {m["cardData"].get("base_model") for m in map(json.loads, (world / "models.jsonl").read_bytes().splitlines())
                   if isinstance(m.get("cardData"), dict) and isinstance(m["cardData"].get("base_model"), str)}
        gone: dict[str, list[str]] = {}
        seen = {"n": 0, "parent": False}

        def keep_model(m: dict) -> bool:
            # drop every 97th model, and one that is some model's declared parent
            seen["n"] += 1
            if m["id"] in parents and not seen["parent"]:
                seen["parent"] = True
                return False
            return seen["n"] % 97 != 0

        dropped_models = _drop_lines(world / "models.jsonl", keep_model)
        gone["models"] = [m["id"] for m in dropped_models]
        gone["datasets"] = [m["id"] for m in _drop_lines(world / "datasets.jsonl", lambda m: zlib.crc32(m["id"].encode()) % 50 != 0)]
        gone["spaces"] = [m["id"] for m in _drop_lines(world / "spaces.jsonl", lambda m: zlib.crc32(m["id"].encode()) % 40 != 0)]
        retagged: list[str] = []

        def retag(d: dict) -> dict:
            if len(retagged) < 5:
                d["tags"] = [*(d.get("tags") or []), "retagged"]
                retagged.append(d["id"])
            return d

        _edit_lines(world / "datasets.jsonl", retag)
        srv.reload()
        _night(srv.url, data, DAY2)
        copies = {}
        for name in ("full", "touched", "no-night1-pages"):
            copies[name] = root / f"data-{name}"
            shutil.copytree(data, copies[name])  # (copies folder times too: the fingerprint stays the same)
        said: list[str] = []
        incr = build(data, DAY2, emit=said.append)
        incr2_db = root / "night2-incremental.duckdb"  # (night 3 publishes over it)
        shutil.copyfile(incr.db_path, incr2_db)
        full = build(copies["full"], DAY2, full=True)
        # a night-1 folder that changed after night 1 was built: its database is no base any more
        folder = DataDir(copies["touched"]).snapshot("dataset", DAY1) / "full"
        (folder / "extra").write_text("x")
        os.remove(folder / "extra")
        touched = build(copies["touched"], DAY2)
        # night 1's model pages gone (their folder's time kept, so the base still stands): an
        # incremental build finds every model's latest heavy record in the base database
        folder = DataDir(copies["no-night1-pages"]).snapshot("model", DAY1) / "full"
        stamp = folder.stat()
        for page in folder.glob("page-*"):
            page.unlink()
        os.utime(folder, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
        without_pages = build(copies["no-night1-pages"], DAY2)
        # night 3: a model away on night 2 is listed again, unchanged (so no heavy record is
        # fetched for it): its card comes from its night-1 record, which the base lacks
        revived = next(m for m in dropped_models if isinstance(m.get("cardData"), dict) and m["cardData"])
        with open(world / "models.jsonl", "ab") as fh:
            fh.write(json.dumps(revived).encode() + b"\n")
        srv.reload()
        _night(srv.url, data, DAY3)
    copies["full3"] = root / "data-full3"
    shutil.copytree(data, copies["full3"])
    incr3 = build(data, DAY3)
    full3 = build(copies["full3"], DAY3, full=True)
    return {"first": first, "incr": incr, "full": full, "touched": touched, "gone": gone, "retagged": retagged,
            "data": data, "copies": copies, "incr3": incr3, "full3": full3, "revived": revived["id"], "incr2_db": incr2_db,
            "said": said, "without_pages": without_pages}


def _relations(con) -> dict[str, str]:
    return dict(con.execute(
        "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1").fetchall())


def _comparable(con, name: str, alias: str) -> str:
    """A SELECT of every column of ``name`` (``schema.table``) in database ``alias``, doubles
    rounded (sums taken in another order may differ in the last bits) and JSON as text."""
    schema_name, name = name.split(".")
    cols = []
    for col, typ in con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = ? AND table_schema = ? "
            "AND table_name = ? ORDER BY ordinal_position", [alias, schema_name, name]).fetchall():
        if typ in ("DOUBLE", "FLOAT"):
            cols.append(f'round("{col}", 9) AS "{col}"')
        elif typ == "JSON":
            cols.append(f'CAST("{col}" AS VARCHAR) AS "{col}"')
        else:
            cols.append(f'"{col}"')
    return f"SELECT {', '.join(cols)} FROM {alias}.{schema_name}.\"{name}\""


def _differences(a: Path, b: Path) -> dict[str, tuple[int, int, int]]:
    """Per table or view: (rows in a, rows only in a, rows only in b), for those that differ
    (EXCEPT ALL both ways: duplicates count). Also usable on full-size databases."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
    names = {}
    for alias in ("a", "b"):
        names[alias] = {n for (n,) in con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_catalog = ?", [alias]).fetchall()}
    assert "internal.heavy_records" in names["a"]
    assert names["a"] == names["b"]
    out = {}
    for name in sorted(names["a"]):
        if name.endswith("_raw"):
            continue  # the listing bodies, read from files by absolute path: each copy reads its own
        qa, qb = _comparable(con, name, "a"), _comparable(con, name, "b")
        only_a = con.execute(f"{qa} EXCEPT ALL {qb}").fetchall()
        only_b = con.execute(f"{qb} EXCEPT ALL {qa}").fetchall()
        if not _same_but_rounding(con, name, only_a, only_b):
            out[name] = (con.execute(f"SELECT count(*) FROM ({qa})").fetchone()[0], len(only_a), len(only_b))
    return out


def _same_but_rounding(con, name: str, only_a: list[tuple], only_b: list[tuple]) -> bool:
    """Rows that differ only where a double rounded to either side of a 9th-decimal boundary
    (a mean summed in another order): paired by their other columns, doubles within 2e-9."""
    if len(only_a) != len(only_b):
        return False
    schema_name, table = name.split(".")
    types = [t for (t,) in con.execute("SELECT data_type FROM information_schema.columns WHERE table_catalog = 'a' "
                                       "AND table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                                       [schema_name, table]).fetchall()]
    doubles = {i for i, t in enumerate(types) if t in ("DOUBLE", "FLOAT")}

    def key(row: tuple) -> str:
        return json.dumps([v for i, v in enumerate(row) if i not in doubles], default=str)

    for ra, rb in zip(sorted(only_a, key=key), sorted(only_b, key=key)):
        if key(ra) != key(rb):
            return False
        for i in doubles:
            if (ra[i] is None) != (rb[i] is None) or (ra[i] is not None and not math.isclose(ra[i], rb[i], rel_tol=1e-9, abs_tol=2e-9)):
                return False
    return True


def test_the_second_night_starts_from_the_published_database(nights):
    assert nights["first"].base is None
    assert nights["incr"].base == DAY1 and "copy" in nights["incr"].steps
    assert nights["full"].base is None
    published = json.loads((nights["data"] / "state" / "published.json").read_text())
    assert published["snapshot_date"] == DAY3 and published["build"]["base"] == DAY2


def test_a_changed_night_1_folder_makes_the_next_build_a_full_one(nights):
    assert nights["touched"].base is None


def test_an_incremental_build_equals_a_full_build_of_the_same_night(nights):
    incr, full = nights["incr2_db"], nights["full"].db_path
    assert _differences(incr, full) == {}
    assert _differences(incr, nights["touched"].db_path) == {}


def test_the_heavy_records_come_from_the_base_not_from_night_1_pages(nights):
    assert nights["without_pages"].base == DAY1
    assert _differences(nights["without_pages"].db_path, nights["full"].db_path) == {}


def test_a_model_listed_again_gets_its_card_back_as_a_full_build_gives_it(nights):
    assert nights["incr3"].base == DAY2
    assert _differences(nights["incr3"].db_path, nights["full3"].db_path) == {}
    con = duckdb.connect(str(nights["incr3"].db_path), read_only=True)
    card, fetched = con.execute("SELECT card_data, heavy_fetched_at FROM models WHERE id = ?", [nights["revived"]]).fetchone()
    assert card is not None and str(fetched) == DAY1


def test_the_drift_under_test_happened(nights):
    """The comparison above means something only if night 2 differs from night 1 in every way
    the incremental build handles."""
    con = duckdb.connect(str(nights["incr2_db"]), read_only=True)
    ids = {t: {r[0] for r in con.execute(f"SELECT id FROM {t}").fetchall()} for t in ("models", "datasets", "spaces")}
    for table, gone in nights["gone"].items():
        assert gone and not (set(gone) & ids[table]), table
    assert con.execute("SELECT count(*) FROM models WHERE first_seen = ?", [DAY2]).fetchone()[0] >= 25
    assert con.execute("SELECT count(*) FROM models WHERE heavy_fetched_at = ?", [DAY2]).fetchone()[0] >= 80
    assert con.execute("SELECT count(*) FROM lineage WHERE NOT parent_exists").fetchone()[0] > 0
    retagged = con.execute("SELECT count(*) FROM datasets WHERE list_contains(tags, 'retagged')").fetchone()[0]
    assert retagged == len(nights["retagged"]) == 5
    moved = con.execute("SELECT count(*) FROM model_snapshots a JOIN model_snapshots b USING (id) "
                        "WHERE a.snapshot_date = ? AND b.snapshot_date = ? AND a.downloads_30d <> b.downloads_30d",
                        [DAY1, DAY2]).fetchone()[0]
    assert moved > 100
    # the self-reported scores: only the changed models' documents were read; the others' rows,
    # and their quarantine rows, came from night 1
    line = next(x for x in nights["said"] if x.startswith("build: self-reported scores"))
    parsed, kept = (int(n.replace(",", "")) for n in re.findall(r"[\d,]+(?= models'| rows)", line))
    total = con.execute("SELECT count(*) FROM models WHERE model_index IS NOT NULL OR eval_results IS NOT NULL "
                        "OR json_extract(card_data, '$.\"model-index\"') IS NOT NULL").fetchone()[0]
    assert 0 < parsed < total and kept > 0, line
    assert con.execute("SELECT count(*) FROM quarantine q WHERE stage = 'evals' AND split_part(detail, ':', 1) = 'model_index' "
                       "AND id IN (SELECT id FROM models WHERE heavy_fetched_at = ?)", [DAY1]).fetchone()[0] > 0


def test_a_build_of_an_earlier_or_the_same_night_is_a_full_one(nights):
    dd = DataDir(nights["data"])
    dates = {rt: dd.snapshot_dates(rt) for rt in ("model", "dataset", "space")}
    assert incremental_base(dd, DAY3, dates)[0] is None  # the published database is of DAY3 already
    assert incremental_base(dd, DAY2, dates)[0] is None
    base, why = incremental_base(dd, "2026-09-04", dates)
    assert base is None and "not complete" in why  # tonight's crawl did not finish
    later = {rt: [*ds, "2026-09-04"] for rt, ds in dates.items()}
    assert incremental_base(dd, "2026-09-04", later)[0] == DAY3
