"""SIGKILL at random points, resume, compare: a short run of bench/kill_resume.py (the bench runs 24 kills)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[1]


def test_a_crawl_killed_at_random_points_ends_identical_to_an_uninterrupted_one(tmp_path):
    spec = importlib.util.spec_from_file_location("kill_resume", ROOT / "bench" / "kill_resume.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    result = mod.main(["--kills", "3", "--models", "2000", "--page-size", "50", "--seed", "9",
                       "--out", str(tmp_path / "kill.json")])
    assert result["total_kills"] >= 3
    assert result["identical"], result["kills"]
