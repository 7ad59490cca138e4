"""Chart specs: rows travel by name into the spec's ``datasets``; validation is a switch."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pytest

from hubstudy.reports import _charts


def _layered(rows):
    base = alt.Chart(_charts.data(rows))
    return base.mark_line().encode(x="month:T", y="n:Q") + base.mark_point().encode(x="month:T", y="n:Q")


def test_a_spec_carries_exactly_the_rows_of_its_charts():
    rows = [{"month": dt.date(2024, m, 1), "n": m * 10} for m in range(1, 7)]
    other = [{"month": dt.date(2025, 1, 1), "n": 1}]
    _charts.data(other)  # made, but used by no chart of this spec
    spec = _charts.spec(_layered(rows))
    assert list(spec["datasets"].values()) == [[{"month": r["month"].isoformat(), "n": r["n"]} for r in rows]]
    name = next(iter(spec["datasets"]))
    assert {layer.get("data", spec.get("data"))["name"] for layer in spec["layer"]} == {name}
    # the same rows get the same name, as Altair names inline data
    assert _charts.spec(_layered(list(rows)))["datasets"].keys() == spec["datasets"].keys()


def test_the_tests_validate_every_spec():
    assert _charts.VALIDATE, "tests/conftest.py sets HUBSTUDY_VALIDATE_CHARTS=1"


def test_the_same_chart_renders_the_same_png_either_way():
    rows = [{"x": str(i), "y": i * i} for i in range(8)]
    named = _charts.spec(alt.Chart(_charts.data(rows)).mark_bar().encode(x="x:N", y="y:Q"))
    inline = _charts.spec(alt.Chart(alt.Data(values=rows)).mark_bar().encode(x="x:N", y="y:Q"))
    import vl_convert as vlc

    assert vlc.vegalite_to_png(named, scale=1) == vlc.vegalite_to_png(inline, scale=1)


def test_validation_rejects_a_bad_spec_only_when_on(monkeypatch):
    chart = alt.Chart(_charts.data([{"x": 1}])).mark_point().encode(x="x:Q").properties(width=100)
    spec = _charts.spec(chart)
    assert spec["width"] == 100
    broken = chart.copy(deep=True)
    broken.width = "wide"  # not a number, not "container"
    monkeypatch.setattr(_charts, "VALIDATE", True)
    with pytest.raises(Exception, match="wide"):
        _charts.spec(broken)
    monkeypatch.setattr(_charts, "VALIDATE", False)
    assert _charts.spec(broken)["width"] == "wide"


def test_long_category_labels_are_cut_by_characters_and_the_tooltip_keeps_them_whole():
    import re

    import vl_convert as vlc

    long = "eval_results · 1 · SomeOrganisation/a-rather-long-model-name-7B-instruct"
    rows = [{"group": g, "n": 10, "k": 4, "share": 0.4, "ci_low": 0.17, "ci_high": 0.69} for g in (long, "short")]
    spec = _charts.spec(_charts.share_with_interval(rows, "group", title="t", category_title="source · rank · parent",
                                                    axis_title=False))
    svg = vlc.vegalite_to_svg(spec, allowed_base_urls=[])
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    cut = long[: _charts.LABEL_CHARS - 1] + "\u2026"
    assert cut in labels and "short" in labels and long not in labels
    assert "source · rank · parent" not in labels  # no axis title beside the labels
    assert spec["layer"][0]["encoding"]["tooltip"][0] == {"field": "group", "title": "source · rank · parent", "type": "nominal"}
    assert long in [r["group"] for r in next(iter(spec["datasets"].values()))]
