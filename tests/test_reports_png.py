"""PNG rendering in worker processes: the same bytes as rendering with the workers' fonts in a
process of its own, text drawn, characters the bundled font lacks left to this process, errors
raised as before, the build still completes in this process when the workers cannot be used,
and no worker outlives a killed build."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time

import pytest
import vl_convert as vlc

from hubstudy.reports._charts import PngRenderer, bundled_font_draws, bundled_font_env


def _spec(n: int) -> dict:
    return {"title": f"chart {n}", "mark": "bar", "data": {"values": [{"x": str(i), "y": i * n} for i in range(5)]},
            "encoding": {"x": {"field": "x", "type": "nominal"}, "y": {"field": "y", "type": "quantitative"}}}


def _in_process(spec: dict) -> bytes:
    return vlc.vegalite_to_png(spec, scale=2.0, allowed_base_urls=[])


def _with_bundled_font(specs: list[dict], folder) -> list[bytes]:
    """The PNGs of ``specs`` rendered in a fresh process set up as the workers are."""
    script = ("import pickle, sys, vl_convert as vlc\n"
              "specs = pickle.load(sys.stdin.buffer)\n"
              "pngs = [vlc.vegalite_to_png(s, scale=2.0, allowed_base_urls=[]) for s in specs]\n"
              "pickle.dump(pngs, sys.stdout.buffer)\n")
    done = subprocess.run([sys.executable, "-c", script], input=pickle.dumps(specs), capture_output=True,
                          env=bundled_font_env(folder), timeout=300, check=True)
    return pickle.loads(done.stdout)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its new parent) counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def test_workers_write_the_same_bytes_as_a_process_with_the_bundled_font(tmp_path):
    specs = [_spec(n) for n in range(1, 6)]
    with PngRenderer(workers=2) as png:
        assert len(png._procs) == 2
        for n, spec in enumerate(specs):
            png.submit(spec, tmp_path / "img" / f"c{n}.png")
        written = png.finish()
    assert written == [tmp_path / "img" / f"c{n}.png" for n in range(len(specs))]
    assert [path.read_bytes() for path in written] == _with_bundled_font(specs, tmp_path / "fonts")


def test_workers_draw_the_text(tmp_path):
    """With no system font, the bundled one must still draw every title and label."""
    titled, untitled = _spec(3), {**_spec(3), "title": ""}
    unlabelled = {**untitled, "encoding": {"x": {"field": "x", "type": "nominal", "axis": {"labels": False, "title": None}},
                                           "y": {"field": "y", "type": "quantitative", "axis": {"labels": False, "title": None}}}}
    with PngRenderer(workers=2) as png:
        for name, spec in (("titled", titled), ("untitled", untitled), ("unlabelled", unlabelled)):
            png.submit(spec, tmp_path / f"{name}.png")
        png.finish()
    pngs = {p.stem: p.read_bytes() for p in tmp_path.glob("*.png")}
    assert len(set(pngs.values())) == 3


def test_text_the_bundled_font_lacks_is_drawn_in_this_process(tmp_path):
    latin, cjk = _spec(1), {**_spec(2), "title": "\u6a21\u578b chart 2"}
    assert bundled_font_draws(latin) and not bundled_font_draws(cjk)
    assert bundled_font_draws({**latin, "title": "share \u00b7 depth \u2265 2 \u2026 caf\u00e9 \u2192 \u0161"})
    with PngRenderer(workers=2) as png:
        png.submit(latin, tmp_path / "latin.png")
        png.submit(cjk, tmp_path / "cjk.png")
        assert [future is None for future, _, _ in png._jobs] == [False, True]
        png.finish()
    assert (tmp_path / "cjk.png").read_bytes() == _in_process(cjk)
    assert (tmp_path / "latin.png").read_bytes() == _with_bundled_font([latin], tmp_path / "fonts")[0]


def test_one_worker_means_rendering_in_this_process(tmp_path):
    with PngRenderer(workers=1) as png:
        assert not png._procs
        png.submit(_spec(1), tmp_path / "a.png")
        png.finish()
    assert (tmp_path / "a.png").read_bytes() == _in_process(_spec(1))


def test_a_rejected_spec_raises_after_the_other_pngs_are_written(tmp_path):
    bad = {"mark": "no-such-mark", "data": {"values": [{"x": 1}]}}
    with pytest.raises(Exception) as in_process:
        _in_process(bad)
    with PngRenderer(workers=2) as png:
        png.submit(bad, tmp_path / "bad.png")
        png.submit(_spec(2), tmp_path / "good.png")
        with pytest.raises(type(in_process.value)):
            png.finish()
    assert not (tmp_path / "bad.png").exists()
    assert (tmp_path / "good.png").read_bytes() == _with_bundled_font([_spec(2)], tmp_path / "fonts")[0]


def test_dead_workers_leave_their_pngs_to_this_process(tmp_path):
    with PngRenderer(workers=2) as png:
        for proc in png._procs:  # killed mid-build (out of memory, say)
            proc.kill()
            proc.wait()
        for n in range(3):
            png.submit(_spec(n + 1), tmp_path / f"c{n}.png")
        png.finish()
    for n in range(3):
        assert (tmp_path / f"c{n}.png").read_bytes() == _in_process(_spec(n + 1))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_no_worker_outlives_a_killed_build(tmp_path):
    script = ("import sys, time\n"
              "from hubstudy.reports._charts import PngRenderer\n"
              "png = PngRenderer(workers=2)\n"
              "print(*(p.pid for p in png._procs), flush=True)\n"
              "time.sleep(600)\n")
    build = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(p) for p in build.stdout.readline().split()]
        assert len(pids) == 2 and all(_alive(p) for p in pids)
    finally:
        build.send_signal(signal.SIGKILL)
        build.wait()
    deadline = time.monotonic() + 30  # a worker still warming up stops once that is done
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in pids)
