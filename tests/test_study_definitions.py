"""The study's definitions are the design's, word for word, and every analysis file keeps the
conventions the build and the reports rely on."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from hubstudy import schema, study
from test_study_analyses import ANALYSIS, create_study_analyses

DESIGN = Path(__file__).resolve().parents[2] / "shared" / "design" / "study.md"
STUDY_FILES = sorted(ANALYSIS.glob("study_*.sql"))


def design_definitions() -> list[str]:
    """The bullets of study.md's Definitions section, each joined into one line."""
    text = DESIGN.read_text(encoding="utf-8")
    section = text.split("## Definitions", 1)[1].split("\n## ", 1)[0]
    bullets = re.split(r"\n- ", "\n" + section.split("\n", 1)[1].strip())
    return [" ".join(b.split()) for b in bullets if b.strip()]


@pytest.mark.skipif(not DESIGN.exists(), reason="the shared design folder is not next to the repository")
def test_definitions_are_the_designs_word_for_word():
    assert [text for _, text in study.DEFINITIONS] == design_definitions()


def test_the_definitions_markdown_is_part_of_the_module_documentation():
    assert study.STUDY_DEFINITIONS in study.__doc__
    for _, text in study.DEFINITIONS:
        assert f"- {text}" in study.STUDY_DEFINITIONS


@pytest.fixture(scope="module")
def empty_db():
    db = duckdb.connect()
    for table in schema.TABLES:
        db.execute(schema.ddl(table))
    study.create_views(db)
    yield db
    db.close()


def test_views_and_analyses_build_on_an_empty_database(empty_db, tmp_path):
    created = create_study_analyses(empty_db, tmp_path)
    assert sorted(created) == [p.stem for p in STUDY_FILES]
    assert empty_db.execute("SELECT count(*) FROM study_definitions").fetchone()[0] == len(study.DEFINITIONS)


@pytest.mark.parametrize("path", STUDY_FILES, ids=lambda p: p.name)
def test_each_analysis_file_is_one_documented_select(path, empty_db):
    sql = path.read_text(encoding="utf-8")
    assert sql.startswith("-- "), "the file starts with a comment saying what it returns"
    assert len(empty_db.extract_statements(sql)) == 1
    body = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--")).lstrip().upper()
    assert body.startswith(("SELECT", "WITH"))


@pytest.mark.parametrize("path", STUDY_FILES, ids=lambda p: p.name)
def test_every_share_comes_with_n_k_and_a_wilson_interval(path):
    sql = path.read_text(encoding="utf-8")
    if re.search(r"\bAS share\b", sql):
        for column in ("AS n", "AS k", "AS ci_low", "AS ci_high"):
            assert column in sql
        assert "wilson_low(k, n)" in sql and "wilson_high(k, n)" in sql
