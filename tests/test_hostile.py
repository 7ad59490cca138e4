"""Hostile and broken Hub records are data, not crashes: stored, fixed or quarantined with a reason."""

from __future__ import annotations

import duckdb
import pytest

from hubstudy.build import build
from hubstudy.crawl import crawl
from hubstudy.storage import DataDir

from tinyhub import TinyHub, client_for, model, simple

# a fake token, assembled here so no token-shaped literal sits in the repository
CANARY = "hf_" + "CANARYcanary" * 2 + "CANARY0001"


def hostile_models() -> list:
    good = [model(i) for i in range(200)]
    bad = [
        model(300, cardData={"base_model": 12345}),
        model(301, cardData={"base_model": {"id": "org/m1"}}),
        model(302, cardData={"base_model": ""}),
        model(303, cardData={"base_model": [f"org/x{i}" for i in range(10_000)]}),
        model(304, tags=["base_model:distilled:org/m1"]),
        model(305, tags=["base_model:org/m305", "base_model:finetune:org/m305"]),  # self-loop
        model(306, tags=["base_model:org/m307", "base_model:finetune:org/m307"]),  # 306 <-> 307 cycle
        model(307, tags=["base_model:org/m306", "base_model:finetune:org/m306"]),
        model(308, tags=["base_model:gone/deleted-model", "base_model:adapter:gone/deleted-model"]),
        model(309, tags="base_model:org/m1"),
        model(310, createdAt="yesterday-ish", lastModified=None, downloads="many", likes=-3),
        model(311, tags=["base_model:ORG/M1", "base_model:quantized:ORG/M1"]),  # case differs from org/m1
        {"_id": "f" * 24, "id": "org/only-an-id"},
        {"_id": "e" * 24, "createdAt": "2024-01-05T00:00:00.000Z", "lastModified": "2024-01-05T00:00:00.000Z"},  # no id
        model(312, id="org/<script>alert(1)</script>"),
        model(313, cardData={"base_model": "org/m1", "base_model_relation": "distillation"}),
    ]
    dup = model(5, createdAt=model(150)["createdAt"])  # listed twice: once more on another page
    return good + bad + [dup]


@pytest.fixture
def hostile_db(tmp_path):
    hub = TinyHub(hostile_models(), [simple(i, "d") for i in range(3)], [simple(i, "s") for i in range(3)])
    dd = DataDir(tmp_path)
    dd.ensure()
    crawl(client_for(hub, token=CANARY), dd, "2024-09-01", page_size=50)
    res = build(dd, "2024-09-01", analysis_dir=None)
    con = duckdb.connect(str(res.db_path), read_only=True)
    yield con, dd
    con.close()


def reasons(con, id_):
    return {r for (r,) in con.execute("SELECT reason FROM quarantine WHERE id = ?", [id_]).fetchall()}


def test_bad_base_model_values_are_quarantined_with_their_reason(hostile_db):
    con, _ = hostile_db
    assert reasons(con, "org/m300") == {"bad_base_model"}
    assert reasons(con, "org/m301") == {"bad_base_model"}
    assert reasons(con, "org/m302") == {"bad_base_model"}
    assert reasons(con, "org/m303") == {"too_many_parents"}
    assert reasons(con, "org/m304") == {"unknown_relation"}
    assert reasons(con, "org/m309") == {"bad_tags"}
    assert "unknown_relation" in reasons(con, "org/m313")
    for mid in ("org/m300", "org/m303", "org/m304"):
        assert con.execute("SELECT count(*) FROM models WHERE id = ?", [mid]).fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM lineage WHERE child_id = ?", [mid]).fetchone()[0] == 0


def test_self_loops_and_cycles_are_reported_and_never_loop(hostile_db):
    con, _ = hostile_db
    assert reasons(con, "org/m305") == {"self_loop"}
    fam = con.execute("SELECT id, root_id, depth, in_cycle FROM model_family WHERE id IN ('org/m306', 'org/m307') ORDER BY id").fetchall()
    assert fam == [("org/m306", None, None, True), ("org/m307", None, None, True)]
    assert reasons(con, "org/m306") == {"lineage_cycle"}


def test_parents_that_do_not_exist_or_differ_in_case_are_kept_and_marked(hostile_db):
    con, _ = hostile_db
    assert con.execute("SELECT parent_id, relation, parent_exists FROM lineage WHERE child_id = 'org/m308'").fetchone() == (
        "gone/deleted-model", "adapter", False)
    assert con.execute("SELECT parent_id, parent_declared, parent_exists FROM lineage WHERE child_id = 'org/m311'").fetchone() == (
        "org/m1", "ORG/M1", True)


def test_records_with_missing_or_garbage_fields_are_stored_with_nulls(hostile_db):
    con, _ = hostile_db
    row = con.execute("SELECT created_at, last_modified, downloads_30d, likes FROM models WHERE id = 'org/m310'").fetchone()
    assert row == (None, None, None, -3)
    assert con.execute("SELECT author, tags FROM models WHERE id = 'org/only-an-id'").fetchone() == ("org", None)


def test_an_entry_without_an_id_is_quarantined_not_dropped(hostile_db):
    con, _ = hostile_db
    rows = con.execute("SELECT reason, raw FROM quarantine WHERE reason = 'missing_id'").fetchall()
    assert len(rows) == 1 and "e" * 24 in rows[0][1]


def test_a_duplicate_id_across_pages_is_kept_once_and_reported(hostile_db):
    con, _ = hostile_db
    assert con.execute("SELECT count(*) FROM models WHERE id = 'org/m5'").fetchone()[0] == 1
    assert reasons(con, "org/m5") == {"duplicate_id"}
    total = len(hostile_models()) - 2  # minus the duplicate and the entry without id
    assert con.execute("SELECT count(*) FROM models").fetchone()[0] == total


def test_markup_in_a_repo_id_is_stored_verbatim_as_data(hostile_db):
    con, _ = hostile_db
    assert con.execute("SELECT count(*) FROM models WHERE id = 'org/<script>alert(1)</script>'").fetchone()[0] == 1


def test_the_token_is_in_no_file_the_crawl_and_build_wrote(hostile_db):
    _, dd = hostile_db
    hits = [p for p in dd.root.rglob("*") if p.is_file() and CANARY.encode() in p.read_bytes()]
    assert hits == []
