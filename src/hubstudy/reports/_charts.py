"""Charts: Altair specs fed with aggregated rows, their PNG export, and the inlined Vega runtime.

Why this shape:
- Charts receive rows already aggregated in DuckDB (a few thousand at most) as inline values;
  no DataFrame, no data URL, nothing for the browser to fetch.
- The Vega, Vega-Lite and Vega-Embed JavaScript comes from ``vl_convert.javascript_bundle()``
  and is inlined into every page, so a page opened from disk renders with no network at all.
  The bundle is built once per process (it takes a few seconds).
- PNGs are rendered by vl-convert from the same spec, with external data URLs disallowed.
- Tooltips are drawn by vega-tooltip, which escapes HTML in field values, so a repo id with
  markup shows as text there too.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

import altair as alt
import vl_convert as vlc

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
    import os

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


def data(records: Iterable[dict[str, Any]]) -> alt.Data:
    return alt.Data(values=values(records))


def spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The Vega-Lite spec of a chart, with the shared look applied."""
    c = chart.configure_axis(labelFontSize=11, titleFontSize=12, labelLimit=260).configure_view(
        stroke=None
    ).configure_title(fontSize=14, anchor="start").configure_legend(labelLimit=260)
    return c.to_dict()


def save_png(vl_spec: dict[str, Any], path: Path, scale: float = 2.0) -> Path:
    """Render a spec to PNG with vl-convert; no external URL may be loaded while rendering."""
    png = vlc.vegalite_to_png(vl_spec, scale=scale, allowed_base_urls=[])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)
    return path


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


def share_with_interval(records: list[dict[str, Any]], category: str, *, title: str,
                        color: str | None = None, category_title: str | None = None,
                        extra_tooltip: list[alt.Tooltip] | None = None) -> alt.TopLevelMixin:
    """Points at ``share`` with 95% Wilson error bars, one row per category (and colour)."""
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
    y = alt.Y(f"{category}:N", title=category_title or category, sort=None)
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
