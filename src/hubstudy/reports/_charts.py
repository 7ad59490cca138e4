"""Charts: Altair specs fed with aggregated rows, their PNG export, and the inlined Vega runtime.

Why this shape:
- Charts receive rows already aggregated in DuckDB (a few thousand at most) as inline values;
  no DataFrame, no data URL, nothing for the browser to fetch.
- The Vega, Vega-Lite and Vega-Embed JavaScript comes from ``vl_convert.javascript_bundle()``
  and is inlined into every page, so a page opened from disk renders with no network at all.
  The bundle is built once per process (it takes a few seconds).
- PNGs are rendered by vl-convert from the same spec, with external data URLs disallowed, in
  worker processes that start while the pages are still being queried and that draw text with
  vl-convert's bundled font (see :class:`PngRenderer`).
- Tooltips are drawn by vega-tooltip, which escapes HTML in field values, so a repo id with
  markup shows as text there too.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import os
import pickle
import queue
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import Future
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Iterable

import altair as alt
import vl_convert as vlc

log = logging.getLogger(__name__)

#: Refuse to chart more points than this: the data must be aggregated first.
MAX_POINTS = 5000

WIDTH = 520
HEIGHT = 260

RELATION_ORDER = ["finetune", "adapter", "quantized", "merge", "unknown"]
REPO_TYPE_ORDER = ["model", "dataset", "space"]


@functools.lru_cache(maxsize=1)
def vega_bundle() -> str:
    """Vega + Vega-Lite + Vega-Embed as one script defining window.vegaEmbed (no imports).

    vl-convert takes a couple of seconds to bundle it; the result depends only on vl-convert's
    version, so it is kept in the user's cache directory between runs.
    """
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hubstudy"
    cached = base / f"vega-bundle-{getattr(vlc, '__version__', 'unknown')}.js"
    try:
        js = cached.read_text(encoding="utf-8")
    except OSError:
        js = vlc.javascript_bundle()
        try:
            base.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_name(f".{cached.name}.{os.getpid()}")
            tmp.write_text(js, encoding="utf-8")
            os.replace(tmp, cached)
        except OSError:
            pass  # a read-only home only costs the time
    # Inlined into <script>: make sure no sequence in it can end the element early.
    return js.replace("</script", "<\\/script").replace("<!--", "<\\!--")


def values(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts for inline chart data (dates to ISO text, decimals to float)."""
    out = []
    for r in records:
        row = {}
        for k, v in r.items():
            if isinstance(v, (dt.date, dt.datetime)):
                v = v.isoformat()
            elif isinstance(v, Decimal):
                v = float(v)
            row[k] = v
        out.append(row)
    if len(out) > MAX_POINTS:
        raise ValueError(f"{len(out)} rows for one chart: aggregate in DuckDB first (limit {MAX_POINTS})")
    return out


#: Check every spec against the Vega-Lite schema (and every Altair object as it is made). Costs
#: more than the reports' queries on a small database (jsonschema in pure Python, ~0.2 s a
#: chart), so it is off in production and on in the tests (``HUBSTUDY_VALIDATE_CHARTS=1``): the
#: specs are the same either way, validation only raises on a bad one.
VALIDATE = os.environ.get("HUBSTUDY_VALIDATE_CHARTS", "") not in ("", "0")

#: Chart rows by dataset name, until a spec takes them. A chart refers to its rows by name and the
#: rows join the spec as Vega-Lite's top-level ``datasets`` (where Altair puts inline data too),
#: because Altair deep-copies inline values each time a chart is layered, configured or
#: converted: for the reports' few thousand rows per chart that copying cost seconds per build.
_DATASETS: dict[str, list[dict[str, Any]]] = {}


def data(records: Iterable[dict[str, Any]]) -> alt.NamedData:
    """Rows for a chart: a reference by name (a hash of the rows, as Altair names inline data)."""
    rows = values(records)
    digest = hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()[:32]
    name = f"data-{digest}"
    _DATASETS[name] = rows
    return alt.NamedData(name=name)


def forget_data() -> None:
    """Drop the rows kept for charts (after the specs that use them are made)."""
    _DATASETS.clear()


def _data_names(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        ref = node.get("data")
        if isinstance(ref, dict) and isinstance(ref.get("name"), str):
            found.add(ref["name"])
        for value in node.values():
            if isinstance(value, (dict, list)):
                _data_names(value, found)
    elif isinstance(node, list):
        for value in node:
            if isinstance(value, (dict, list)):
                _data_names(value, found)
    return found


def spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The Vega-Lite spec of a chart, with the shared look applied and its rows in ``datasets``."""
    c = chart.configure_axis(labelFontSize=11, titleFontSize=12, labelLimit=260).configure_view(
        stroke=None
    ).configure_title(fontSize=14, anchor="start").configure_legend(labelLimit=260)
    out = c.to_dict(validate=VALIDATE)
    names = sorted(n for n in _data_names(out, set()) if n in _DATASETS)
    if names:
        out.setdefault("datasets", {}).update({n: _DATASETS[n] for n in names})
    if VALIDATE:  # the whole spec, rows included, against the Vega-Lite schema
        from altair.utils.schemapi import validate_jsonschema
        from altair.vegalite.v6.schema.core import load_schema

        validate_jsonschema(out, load_schema())
    return out


def altair_checks() -> Any:
    """Context in which Altair validates objects as they are made only when ``VALIDATE`` is on."""
    try:
        from altair.utils.schemapi import debug_mode
    except ImportError:  # an Altair without the switch: it does what it always did
        import contextlib

        return contextlib.nullcontext()
    return debug_mode(VALIDATE)


def save_png(vl_spec: dict[str, Any], path: Path, scale: float = 2.0) -> Path:
    """Render a spec to PNG with vl-convert; no external URL may be loaded while rendering."""
    return _write(path, vlc.vegalite_to_png(vl_spec, scale=scale, allowed_base_urls=[]))


def _write(path: Path, png: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)
    return path


#: Most PNG worker processes, whatever the CPU count: a build has a few dozen charts and each
#: worker costs about a second of start-up and ~100 MB.
MAX_PNG_WORKERS = 4

#: Rendered by each worker as it starts, to load Vega into its JavaScript runtime (about a second).
_WARM_UP_SPEC = {"mark": "point", "data": {"values": [{"x": 0}]},
                 "encoding": {"x": {"field": "x", "type": "quantitative"}}}

#: A PNG worker, run as ``python -P -c``: it imports vl-convert and nothing of ours (Altair's import
#: alone takes over a second). It reads jobs from stdin, each a 4-byte length and a pickled
#: (spec, scale), and answers each on its stdout with ok (1 byte), a 4-byte length and the PNG
#: or the pickled exception. It stops when stdin closes, which is also what happens when the
#: build is killed: no worker outlives it. Anything vl-convert prints goes to stderr.
_WORKER = f"""
import os, pickle, struct, sys
replies = os.fdopen(os.dup(1), "wb")
os.dup2(2, 1)
import vl_convert as vlc
jobs = sys.stdin.buffer

def read(n):
    data = jobs.read(n)
    if len(data) < n:
        raise SystemExit(0)
    return data

vlc.vegalite_to_png({_WARM_UP_SPEC!r})
while True:
    spec, scale = pickle.loads(read(struct.unpack("!I", read(4))[0]))
    try:
        ok, body = True, vlc.vegalite_to_png(spec, scale=scale, allowed_base_urls=[])
    except Exception as exc:
        try:
            ok, body = False, pickle.dumps(exc)
        except Exception:
            ok, body = False, pickle.dumps(RuntimeError(f"{{type(exc).__name__}}: {{exc}}"))
    try:
        replies.write(struct.pack("!?I", ok, len(body)) + body)
        replies.flush()
    except BrokenPipeError:
        raise SystemExit(0)
"""


#: Characters the Liberation Sans bundled with vl-convert draws (checked against its cmap): ASCII,
#: Latin-1 and Latin Extended-A, basic Greek and Cyrillic, and the punctuation and signs the
#: charts use. A spec with any other character (a CJK model name, say) is rendered in this
#: process instead, where every font of the system is available as a fallback.
_NOT_IN_BUNDLED_FONT = re.compile(
    "[^\x20-\x7e\u00a0-\u017f\u0391-\u03c9\u0410-\u044f\u2013\u2014\u2018\u2019\u201c\u201d"
    "\u2022\u2026\u2030\u2190-\u2194\u2212\u221e\u2260\u2264\u2265]")


def bundled_font_draws(vl_spec: dict[str, Any]) -> bool:
    """Whether every character of the spec (titles, labels, data) is one the bundled font has."""
    return _NOT_IN_BUNDLED_FONT.search(json.dumps(vl_spec, ensure_ascii=False, default=str)) is None


def bundled_font_env(folder: Path) -> dict[str, str]:
    """The environment of a PNG worker that draws text with vl-convert's bundled Liberation Sans
    only, whatever fonts the system has (writes a fontconfig file and an empty font folder into
    ``folder``).

    Why: vl-convert looks up system fonts through fontconfig and keeps them as files, which it
    opens, maps and parses again for every piece of text it measures or draws: ~4,000 times for
    one chart, most of a PNG's cost (30 charts: 9.2 s of one core, 4.0 s of it in the kernel).
    With no system font, vl-convert loads its bundled Liberation Sans (the font it would have
    picked here anyway) from memory: 4.3 s, and the same PNG on every machine. fontconfig's own
    files are left alone: the variable only reaches the worker processes.
    """
    empty = folder / "no-system-fonts"
    empty.mkdir(parents=True, exist_ok=True)
    conf = folder / "fonts.conf"
    conf.write_text(f"<?xml version=\"1.0\"?>\n<fontconfig><dir>{_xml_text(str(empty))}</dir></fontconfig>\n",
                    encoding="utf-8")
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _WorkerGone(Exception):
    """A PNG worker process died (or none is left): the job is rendered in this process."""


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may run on (containers, taskset)
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _read(stream: IO[bytes], n: int) -> bytes:
    data = stream.read(n)
    if len(data) < n:
        raise _WorkerGone("the PNG worker closed its output")
    return data


class PngRenderer:
    """Renders chart PNGs in worker processes while the caller goes on querying and building.

    vl-convert runs Vega on a single JavaScript thread per process, so threads do not overlap
    renders (measured: two threads take as long as one); processes do. The workers (see
    ``_WORKER``) start, and warm up, as soon as the renderer is made, so that overlaps the
    queries. They are plain subprocesses rather than a multiprocessing pool: nothing of the
    caller is re-imported in them, and a worker stops when its stdin closes, so a killed build
    leaves none behind. One thread here per worker feeds it jobs from a shared queue; the PNG
    bytes come back and are written by :meth:`finish`, in submission order.

    The workers draw text with vl-convert's bundled Liberation Sans alone (see
    :func:`bundled_font_env`): less than half the time per PNG. A spec with characters that font
    lacks is rendered in this process, with the system's fonts.

    With one CPU, or when a worker cannot be started or dies, those PNGs are rendered in this
    process instead: the same charts, only slower, and drawn with the system's fonts (a label's
    width may then differ by a pixel). A spec vl-convert rejects raises its error from
    :meth:`finish`, as an in-process render would.
    """

    def __init__(self, scale: float = 2.0, workers: int | None = None):
        self.scale = scale
        self._jobs: list[tuple[Future[bytes] | None, dict[str, Any], Path]] = []
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._procs: list[subprocess.Popen] = []
        self._live = 0  # worker threads still taking jobs
        self._fonts: str | None = None  # the workers' font configuration (a temporary folder)
        n = min(MAX_PNG_WORKERS, _cpus()) if workers is None else workers
        if n < 2:  # one worker beside this process would only take turns with it on the same CPU
            return
        try:
            self._fonts = tempfile.mkdtemp(prefix="hubstudy-png-fonts-")
            env: dict[str, str] | None = bundled_font_env(Path(self._fonts))
        except OSError as exc:
            log.warning("PNG workers use the system's fonts (%s)", exc)
            env = None
        for _ in range(n):
            try:
                proc = subprocess.Popen([sys.executable, "-P", "-c", _WORKER], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, env=env)
            except (OSError, ValueError) as exc:
                log.warning("no PNG worker process (%s): rendering in this process", exc)
                break
            thread = threading.Thread(target=self._serve, args=(proc,), name="png-worker", daemon=True)
            self._live += 1
            self._procs.append(proc)
            self._threads.append(thread)
            thread.start()

    def submit(self, vl_spec: dict[str, Any], path: Path) -> None:
        """Queue one chart; its PNG is rendered in the background and written by :meth:`finish`."""
        future: Future[bytes] | None = None
        with self._lock:  # with the last worker's exit in _serve: no job is queued after its drain
            if self._live and bundled_font_draws(vl_spec):
                future = Future()
                self._queue.put((future, vl_spec))
        self._jobs.append((future, vl_spec, path))

    def finish(self) -> list[Path]:
        """Wait for every queued PNG and write it; returns the paths in submission order.

        Every PNG that renders is written; then the first rendering error, if any, is raised."""
        written, error, fallback = [], None, []
        for future, vl_spec, path in self._jobs:
            try:
                png = None
                if future is not None:
                    try:
                        png = future.result()
                    except _WorkerGone as exc:  # killed, out of memory: not the spec's fault
                        if not fallback:
                            log.warning("%s: rendering in this process", exc)
                        fallback.append(path.name)
                if png is None:
                    png = vlc.vegalite_to_png(vl_spec, scale=self.scale, allowed_base_urls=[])
            except Exception as exc:
                error = error or exc
                continue
            written.append(_write(path, png))
        self._jobs.clear()
        if fallback:
            log.warning("PNGs rendered in this process instead of a worker: %s", ", ".join(fallback))
        if error is not None:
            raise error
        return written

    def _serve(self, proc: subprocess.Popen) -> None:
        """Feed one worker process jobs until told to stop (None) or it dies."""
        try:
            while (job := self._queue.get()) is not None:
                future, vl_spec = job
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    payload = pickle.dumps((vl_spec, self.scale))
                except Exception as exc:  # every job's future must be settled, or finish would wait forever
                    future.set_exception(_WorkerGone(f"a spec not sent to a PNG worker ({exc})"))
                    continue
                try:
                    proc.stdin.write(struct.pack("!I", len(payload)) + payload)
                    proc.stdin.flush()
                    ok, size = struct.unpack("!?I", _read(proc.stdout, 5))
                    body = _read(proc.stdout, size)
                except (OSError, _WorkerGone) as exc:
                    future.set_exception(_WorkerGone(f"a PNG worker died ({exc})"))
                    return
                if ok:
                    future.set_result(body)
                    continue
                try:
                    error = pickle.loads(body)
                except Exception as exc:
                    error = RuntimeError(f"a PNG worker failed, and its error could not be read ({exc})")
                future.set_exception(error)
        finally:
            with self._lock:
                self._live -= 1
                if not self._live:  # no worker left: finish renders what is still queued
                    while True:
                        try:
                            left = self._queue.get_nowait()
                        except queue.Empty:
                            break
                        if left is not None and left[0].set_running_or_notify_cancel():
                            left[0].set_exception(_WorkerGone("no PNG worker left"))
            try:
                proc.stdin.close()  # the worker's signal to stop
            except OSError:
                pass
            proc.wait()
            proc.stdout.close()

    def close(self) -> None:
        """Stop the workers, after the PNG each is rendering; PNGs not yet written are dropped."""
        while True:  # not rendered now: finish was not called, so the build failed
            try:
                left = self._queue.get_nowait()
            except queue.Empty:
                break
            if left is not None:
                left[0].cancel()
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
        self._threads.clear()
        self._procs.clear()
        if self._fonts is not None:
            shutil.rmtree(self._fonts, ignore_errors=True)
            self._fonts = None
        self._jobs.clear()

    def __enter__(self) -> "PngRenderer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# -- chart shapes used by several pages --------------------------------------------------------


def month_x(title: str = "creation month") -> alt.X:
    return alt.X("month:T", timeUnit="utcyearmonth", title=title, axis=alt.Axis(format="%Y-%m"))


def snapshot_x(records: list[dict[str, Any]], field: str = "snapshot_date", title: str = "snapshot date") -> alt.X:
    """x for snapshot dates: one labelled position per date while there are few (a time axis
    would repeat or skip day labels), a time axis once there are many."""
    dates = {r[field] for r in records}
    if len(dates) <= 31:
        return alt.X(f"{field}:O", title=title, axis=alt.Axis(labelAngle=-45 if len(dates) > 8 else 0))
    return alt.X(f"{field}:T", timeUnit="utcyearmonthdate", title=title, axis=alt.Axis(format="%Y-%m-%d"))


def floor_split(floor_chart: alt.Chart | None, monthly_chart: alt.Chart, *, floor_label: str) -> alt.TopLevelMixin:
    """Put the 'before March 2022' bucket in its own narrow panel beside the monthly series, with
    its own y scale, so the floor neither shows as a spike nor flattens the months after it."""
    if floor_chart is None:
        return monthly_chart
    return alt.hconcat(
        floor_chart.properties(width=70, title=alt.TitleParams(floor_label, fontSize=11)),
        monthly_chart,
    ).resolve_scale(y="independent")


#: Characters of a category label shown on an axis (the tooltip shows all of it).
LABEL_CHARS = 44


def _cut_label(n: int) -> str:
    """A Vega expression: the axis label, cut to ``n`` characters with an ellipsis when longer."""
    return f"length(datum.label) > {n} ? substring(datum.label, 0, {n - 1}) + '\u2026' : datum.label"


def share_with_interval(records: list[dict[str, Any]], category: str, *, title: str,
                        color: str | None = None, category_title: str | None = None,
                        extra_tooltip: list[alt.Tooltip] | None = None, axis_title: bool = True) -> alt.TopLevelMixin:
    """Points at ``share`` with 95% Wilson error bars, one row per category (and colour).

    axis_title=False leaves the category axis untitled (the category title stays in the tooltip):
    beside long labels Vega, measuring text without the renderer's font, draws the title over them."""
    base = alt.Chart(data(records))
    tooltip = [
        alt.Tooltip(f"{category}:N", title=category_title or category),
        *( [alt.Tooltip(f"{color}:N")] if color else [] ),
        alt.Tooltip("n:Q", format=","),
        alt.Tooltip("k:Q", format=","),
        alt.Tooltip("share:Q", format=".1%"),
        alt.Tooltip("ci_low:Q", format=".1%", title="95% low"),
        alt.Tooltip("ci_high:Q", format=".1%", title="95% high"),
        *(extra_tooltip or []),
    ]
    # Long labels are cut here, by characters: the config's labelLimit would have Vega measure
    # each long label's width over and over to cut it (~1.5 s of rendering for 60 repo ids).
    y = alt.Y(f"{category}:N", title=(category_title or category) if axis_title else None, sort=None,
              axis=alt.Axis(labelLimit=0, labelExpr=_cut_label(LABEL_CHARS)))
    enc_color = alt.Color(f"{color}:N") if color else alt.value("#2b5fab")
    offset = {"yOffset": alt.YOffset(f"{color}:N")} if color else {}
    bars = base.mark_rule(strokeWidth=2).encode(
        y=y, x=alt.X("ci_low:Q", title="share (95% Wilson interval)", axis=alt.Axis(format="%"),
                     scale=alt.Scale(domain=[0, 1])),
        x2="ci_high:Q", color=enc_color, tooltip=tooltip, **offset,
    )
    points = base.mark_point(filled=True, size=70).encode(
        y=y, x="share:Q", color=enc_color, tooltip=tooltip, **offset,
    )
    return (bars + points).properties(width=WIDTH - 120, title=title)
