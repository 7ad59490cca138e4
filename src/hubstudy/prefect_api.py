"""A temporary Prefect API for one ``hubstudy nightly`` when no Prefect server is configured.

Prefect starts a temporary server by itself in that case, but only once the flow is called: the
calling process first imports Prefect's whole server package (~4 s here) to reach the class that
starts it, then the server process imports it again (~6 s) before it answers. Here the same
server (uvicorn on Prefect's app factory, with the settings Prefect's temporary server uses) is
started before this process imports Prefect at all, so the two imports overlap on two cores and
the first one is skipped: a trivial flow goes from ~17 s to ~11 s of wall time on this machine.

Nothing changes for a user who has a Prefect server: a ``PREFECT_API_URL`` from the environment,
a profile or a settings file is always used instead. Whenever this server cannot be started or
does not answer, Prefect's own temporary server takes over, as if this module did not exist.
The server process is given a parent-death signal (Linux), so a killed nightly leaves none behind.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time

log = logging.getLogger(__name__)

#: How long to wait for the server's health check. A first run on a machine migrates Prefect's
#: SQLite database before answering, which can take a minute.
STARTUP_TIMEOUT_S = 120.0

_LAUNCH = (
    "import sys\n"
    "try:\n"
    "    import ctypes, signal\n"
    "    ctypes.CDLL('libc.so.6', use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG\n"
    "except (OSError, AttributeError):\n"
    "    pass\n"
    "import os\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    sys.exit(0)  # the nightly died before the signal was set\n"
    "import runpy\n"
    "sys.argv = ['uvicorn', *sys.argv[2:]]\n"
    "runpy.run_module('uvicorn', run_name='__main__', alter_sys=True)\n"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _configured_url() -> str | None:
    """The API URL Prefect's own settings give (environment, profile, settings files), if any."""
    from prefect.settings import get_current_settings

    return get_current_settings().api.url or None


class TemporaryApi:
    """One Prefect API server process on 127.0.0.1, for the duration of one flow call."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
        self.proc: subprocess.Popen | None = subprocess.Popen(
            [sys.executable, "-c", _LAUNCH, str(os.getpid()), "--factory", "prefect.server.api.server:create_app",
             "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "error", "--lifespan", "on"],
            env=env, stdin=subprocess.DEVNULL,
        )
        log.info("Starting a temporary Prefect API on %s for this run", self.url)

    def wait(self, timeout: float = STARTUP_TIMEOUT_S) -> bool:
        """True once the server answers its health check; False if it exits or times out."""
        import httpx

        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.proc is None or self.proc.poll() is not None:
                    return False
                try:
                    if client.get(f"{self.url}/health").status_code == 200:
                        return True
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
        return False

    def stop(self) -> None:
        """Let Prefect deliver its queued logs and events, then end the server process."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            try:
                from prefect.events.worker import EventsWorker
                from prefect.logging.handlers import APILogWorker

                for worker in (APILogWorker, EventsWorker):
                    worker.drain_all(timeout=10)
            except Exception as exc:  # never lose the night's result over a log line
                log.debug("could not drain Prefect's workers: %s", exc)
        log.info("Stopping the temporary Prefect API on %s", self.url)
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def start() -> TemporaryApi | None:
    """Start a temporary API unless the environment names one or Prefect (already imported, as
    in tests under ``prefect_test_harness``) has one configured. Call before importing Prefect."""
    # No usage reports from a temporary server (this machine may have no network at all).
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if os.environ.get("PREFECT_API_URL"):
        return None
    if "prefect" in sys.modules and _configured_url():
        return None
    try:
        return TemporaryApi()
    except OSError as exc:
        log.warning("could not start a temporary Prefect API (%s): Prefect starts its own", exc)
        return None


def settings_for(api: TemporaryApi | None):
    """A context manager pointing Prefect at ``api``: after Prefect is imported, this checks that
    no server is configured there (a profile or settings file may name one: that one is used),
    and that ``api`` answers; otherwise ``api`` is stopped and Prefect's own settings apply."""
    import contextlib

    if api is None:
        return contextlib.nullcontext()
    if _configured_url():
        api.stop()
        return contextlib.nullcontext()
    if not api.wait():
        log.warning("the temporary Prefect API did not start: Prefect starts its own")
        api.stop()
        return contextlib.nullcontext()
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings

    # No UI is served, and the server ends with the run: no "View at" link to a page that is not there.
    return temporary_settings(updates={PREFECT_API_URL: api.url, PREFECT_UI_URL: ""})
