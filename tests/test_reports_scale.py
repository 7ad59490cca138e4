"""The reports stay fast and aggregated on a Hub-sized database.

200,000 models (a tenth of them on the createdAt floor), about 66,000 lineage edges, two nightly
snapshots and 90,000 datasets and spaces, generated in SQL. The build must read only aggregates:
no query hands Python more than MAX_ROWS rows, and no chart carries more than MAX_POINTS.
(On this project's 2-CPU machines a 1,000,000-model database takes about 12 s.)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_reports_fixture as fx  # noqa: E402

from hubstudy.reports import _charts, _db, build_reports  # noqa: E402

N_MODELS = 200_000


@pytest.fixture(scope="module")
def large_db(tmp_path_factory) -> Path:
    return fx.build_large_db(tmp_path_factory.mktemp("large") / "hub.duckdb", N_MODELS)


def test_reports_on_a_large_database_read_aggregates_only_and_finish_quickly(large_db, tmp_path, monkeypatch):
    largest = {"rows": 0, "points": 0}
    rows, values = _db.Source.rows, _charts.values

    def counting_rows(self, *args, **kwargs):
        result = rows(self, *args, **kwargs)
        largest["rows"] = max(largest["rows"], len(result))
        assert not result.truncated, "a report query hit the row guard: it is not aggregated"
        return result

    def counting_values(records):
        out = values(records)
        largest["points"] = max(largest["points"], len(out))
        return out

    monkeypatch.setattr(_db.Source, "rows", counting_rows)
    monkeypatch.setattr(_charts, "values", counting_values)

    started = time.perf_counter()
    pages = build_reports(large_db, tmp_path / "reports")
    elapsed = time.perf_counter() - started

    assert len(pages) == 6
    assert largest["rows"] <= 1000 and largest["points"] <= 1000, largest
    assert elapsed < 60, f"reports took {elapsed:.1f}s"
    growth = (tmp_path / "reports" / "growth.html").read_text()
    assert f'data-figure="total_model" data-value="{N_MODELS}"' in growth
    # The floor rows are one bucket of exactly a tenth of the models, not a March 2022 spike.
    assert f'data-col="period" data-value="before March 2022">before March 2022</td><td class="num" data-col="created" data-value="{N_MODELS // 10}"' in growth
