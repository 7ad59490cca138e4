"""The runnable examples in docstrings stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["hubstudy.client", "hubstudy.pipeline", "hubstudy.lineage", "hubstudy.evals.self_reported", "hubstudy.evals.leaderboard",
           "hubstudy.evals.mteb", "hubstudy.evals._records", "hubstudy.evals._files", "hubstudy.reports._study"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    mod = importlib.import_module(name)
    result = doctest.testmod(mod)
    assert result.failed == 0
    assert result.attempted > 0, f"{name} has no examples: drop it from MODULES"
