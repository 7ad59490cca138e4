"""PNG charts from a generated world carry the warning themselves (a PNG travels without its page)."""

from __future__ import annotations

from hubstudy.reports._build import SYNTHETIC_NOTE, _mark_synthetic


def test_a_titled_chart_gets_the_warning_as_subtitle_and_the_original_is_untouched():
    spec = {"title": "Share below parent", "mark": "point"}
    out = _mark_synthetic(spec)
    assert out["title"]["text"] == "Share below parent" and out["title"]["subtitle"] == SYNTHETIC_NOTE
    assert spec["title"] == "Share below parent"


def test_an_untitled_chart_gets_the_warning_as_its_title():
    assert _mark_synthetic({"mark": "bar"})["title"]["text"] == SYNTHETIC_NOTE


def test_an_existing_subtitle_is_kept_before_the_warning():
    out = _mark_synthetic({"title": {"text": "t", "subtitle": "n = 5"}})
    assert out["title"]["subtitle"] == ["n = 5", SYNTHETIC_NOTE]
