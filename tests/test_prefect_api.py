"""`hubstudy nightly` with no Prefect server configured runs its flow on a temporary API it starts
itself (hubstudy.prefect_api), and leaves no server process behind, even when killed.

The first test runs the real command line in a subprocess against the replay, with its own
PREFECT_HOME (a fresh Prefect database, so it also pays Prefect's first-run migration), and reads
that database to see the flow run was recorded there.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hubstudy import prefect_api, replay


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", **extra)
    return env


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead too (its parent has not reaped it yet)
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


def test_the_cli_nightly_runs_its_flow_on_a_temporary_api_and_stops_it(tmp_path):
    world = tmp_path / "world"
    replay.generate(world, models=300, datasets=120, spaces=90, seed=3)
    home = tmp_path / "prefect-home"
    with replay.ReplayServer(world) as srv:
        proc = subprocess.run(
            [sys.executable, "-m", "hubstudy.cli", "nightly", "--endpoint", srv.url, "--data-dir", str(tmp_path / "data"),
             "--reports-dir", str(tmp_path / "reports"), "--anonymous", "--date", "2026-09-01"],
            env=_clean_env(PREFECT_HOME=str(home), HUBSTUDY_PAGE_WORKERS="0"), capture_output=True, text=True, timeout=600,
        )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    assert "Beginning flow run" in log and "Finished in state Completed()" in log
    assert "Starting temporary server" not in log  # Prefect did not have to start its own
    assert "Error logging to API" not in log  # logs were delivered before the API stopped
    port = int(re.search(r"Starting a temporary Prefect API on http://127\.0\.0\.1:(\d+)/api", log).group(1))
    assert "View at" not in log  # no link to a UI that is not served
    assert not _listening(port)
    with sqlite3.connect(home / "prefect.db") as con:
        runs = con.execute("SELECT f.name, r.state_type FROM flow_run r JOIN flow f ON f.id = r.flow_id").fetchall()
    assert runs == [("nightly", "COMPLETED")]
    assert (tmp_path / "data" / "hub.duckdb").exists() and (tmp_path / "reports" / "index.html").exists()


def test_a_configured_api_url_is_used_instead(monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert prefect_api.start() is None


def test_a_server_that_dies_hands_over_to_prefects_own(monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    api = prefect_api.TemporaryApi()
    api.proc.kill()
    started = time.monotonic()
    assert api.wait(timeout=60) is False
    assert time.monotonic() - started < 30  # noticed the exit, did not wait out the timeout
    api.stop()
    assert api.proc is None


CHILD = """
import sys, time
from hubstudy import prefect_api
api = prefect_api.TemporaryApi()
print(api.proc.pid, flush=True)
time.sleep(600)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_a_killed_nightly_leaves_no_server_behind(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True,
                             env=_clean_env(PREFECT_HOME=str(tmp_path)))
    server_pid = int(child.stdout.readline())
    time.sleep(1.0)  # the server is importing Prefect by now
    assert _alive(server_pid)
    child.send_signal(signal.SIGKILL)
    child.wait()
    deadline = time.monotonic() + 20
    while _alive(server_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(server_pid)
