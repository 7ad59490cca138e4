"""Docs that must match the code."""

from __future__ import annotations

import re
from pathlib import Path

from hubstudy import docs
from hubstudy.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def section(name: str) -> str:
    return README.split(f"<!-- {name}:start -->")[1].split(f"<!-- {name}:end -->")[0].strip()


def test_the_readme_schema_section_is_the_schema_the_build_creates():
    assert section("schema") == docs.schema_markdown().strip()  # fix with: python -m hubstudy.docs


def test_every_analysis_sql_file_is_described_in_the_readme():
    assert section("analyses") == docs.analyses_markdown().strip()
    missing = [p.stem for p in (ROOT / "analysis").glob("*.sql") if f"`{p.stem}`" not in README]
    assert missing == []


def test_the_readme_states_the_study_definitions_word_for_word():
    assert section("study") == docs.study_markdown().strip()
    assert "Relative drop = (parent - child) / parent." in README


def test_every_analysis_sql_file_starts_with_a_comment_saying_what_it_returns():
    bare = [p.name for p in (ROOT / "analysis").glob("*.sql") if not docs.describe_sql(p.read_text())]
    assert bare == []


def test_every_cli_command_in_the_readme_exists():
    commands = set(re.findall(r"(?:`|bin/)hubstudy (\w+)", README)) - {"replay"}
    known = set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    assert commands <= known, commands - known


def test_ci_runs_the_test_command_the_readme_gives():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in README and "make test" in ci
