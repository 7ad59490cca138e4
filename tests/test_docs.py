"""Docs that must match the code."""

from __future__ import annotations

import re
from pathlib import Path

from hubstudy import schema
from hubstudy.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_the_readme_schema_section_is_the_schema_the_build_creates():
    section = README.split("<!-- schema:start -->")[1].split("<!-- schema:end -->")[0]
    assert section.strip() == schema.markdown().strip()


def test_every_analysis_sql_file_is_listed_in_the_readme():
    missing = [p.stem for p in (ROOT / "analysis").glob("*.sql") if f"`{p.stem}`" not in README]
    assert missing == []


def test_every_cli_command_in_the_readme_exists():
    commands = set(re.findall(r"(?:`|bin/)hubstudy (\w+)", README)) - {"replay"}
    known = set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    assert commands <= known, commands - known


def test_ci_runs_the_test_command_the_readme_gives():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in README and "make test" in ci
