"""Shared fixtures: generated worlds, a running replay server, one Prefect harness per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
# Crawls in tests write pages in-process (starting worker processes costs more than tiny worlds
# take); the e2e night, the kill/resume test and test_crawl_build ask for page workers explicitly.
os.environ.setdefault("HUBSTUDY_PAGE_WORKERS", "0")
# every chart spec the tests make is checked against the Vega-Lite schema (off in production: slow)
os.environ.setdefault("HUBSTUDY_VALIDATE_CHARTS", "1")

HUBDATA = Path(__file__).resolve().parents[2] / "shared" / "hubdata"


@pytest.fixture(scope="session")
def prefect_harness():
    """Prefect's temporary server takes ~10 s to start: one per test session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture(scope="session")
def hubdata() -> Path:
    if not HUBDATA.exists():
        pytest.skip("../shared/hubdata is absent")
    return HUBDATA
