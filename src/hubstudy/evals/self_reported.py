"""Self-reported scores: the card's ``model-index`` and the Hub's ``evalResults``.

No HTTP here. The crawler already asks the listing for ``model-index`` and ``evalResults``
(``expand``) for every new or changed model, so both sit in ``models.model_index`` and
``models.eval_results``; when ``model_index`` is empty the copy inside ``models.card_data`` is
used. Reading them costs no extra request.

The two parsers are pure functions over the parsed JSON. They are tolerant: every entry that can
be read becomes a :class:`Score`, every one that cannot becomes a :class:`Problem` with a reason
(``wrong_shape``, ``missing_dataset``, ``unknown_metric``, ``missing_value``,
``unparseable_value``, ``non_finite_value``, ``invalid_eval_results_file``), which the loader writes
to ``quarantine``. Nothing raises on bad input.

Key of a self-reported score (study.md): (dataset type or id, config, split, metric type). For
``model-index`` that is ``dataset.type``, ``dataset.config``, ``dataset.split``, ``metrics[].type``;
for ``evalResults`` it is ``dataset.id``, ``dataset.task_id`` (as the config), no split and no
metric type (the benchmark dataset defines its metric). Values stay on the scale the author used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from ._records import Problem, Score, clip, parse_score

MODEL_INDEX = "model_index"
EVAL_RESULTS = "eval_results"


def _text(value: Any) -> str | None:
    """A key part as text: strings trimmed, numbers written out, anything else None."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


# Values people write where they have no dataset id or metric type (e.g. MT-Bench in zephyr's card).
_PLACEHOLDERS = frozenset({"unknown", "none", "null", "n/a", "na", "-", "?", "other", "custom"})


def _key_part(value: Any) -> str | None:
    """A dataset type or metric type, or None when missing or a placeholder such as 'unknown'."""
    text = _text(value)
    return None if text is None or text.lower() in _PLACEHOLDERS else text


def _decoded(value: Any) -> Any:
    """JSON that arrived as a string (double-encoded) is decoded once; other values pass."""
    if isinstance(value, (str, bytes)):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


def _as_list(value: Any) -> list[Any] | None:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value]
    return None


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def parse_model_index(model_index: Any) -> tuple[list[Score], list[Problem]]:
    """Scores from a ``model-index`` value (a list of ``{name, results: [...]}``).

    >>> scores, problems = parse_model_index([{"name": "m", "results": [{
    ...     "task": {"type": "text-generation"},
    ...     "dataset": {"type": "ai2_arc", "name": "ARC (25-Shot)", "config": "ARC-Challenge", "split": "test"},
    ...     "metrics": [{"type": "acc_norm", "value": "62.03%"}, {"value": 1.0}],
    ...     "source": {"name": "Open LLM Leaderboard"}}]}])
    >>> [(s.benchmark_key, s.value, s.raw_value) for s in scores]
    [('ai2_arc|arc-challenge|test|acc_norm', 62.03, '62.03%')]
    >>> [(p.reason, p.origin) for p in problems]
    [('unknown_metric', 'model-index[0].results[0].metrics[1]')]
    >>> parse_model_index([{"name": "m", "results": [{"metrics": [{"type": "acc", "value": 0.9}]}]}])[1][0].reason
    'missing_dataset'
    """
    scores: list[Score] = []
    problems: list[Problem] = []
    model_index = _decoded(model_index)
    entries = _as_list(model_index)
    if entries is None:
        return [], [Problem("wrong_shape", f"model-index is a {type(model_index).__name__}, not a list", clip(model_index), "model-index")]
    for i, entry in enumerate(entries):
        where = f"model-index[{i}]"
        if not isinstance(entry, dict):
            problems.append(Problem("wrong_shape", f"{where} is a {type(entry).__name__}, not a mapping", clip(entry), where))
            continue
        results = _as_list(entry.get("results"))
        if results is None:
            problems.append(Problem("wrong_shape", f"{where} has no list of results", clip(entry), where))
            continue
        for j, result in enumerate(results):
            s, p = _parse_result(result, f"{where}.results[{j}]", _text(entry.get("name")))
            scores.extend(s)
            problems.extend(p)
    return scores, problems


def _parse_result(result: Any, where: str, entry_name: str | None) -> tuple[list[Score], list[Problem]]:
    if not isinstance(result, dict):
        return [], [Problem("wrong_shape", f"{where} is a {type(result).__name__}, not a mapping", clip(result), where)]
    dataset = result.get("dataset")
    dataset_type = _key_part(dataset.get("type")) if isinstance(dataset, dict) else None
    if dataset_type is None:
        why = "has no dataset" if not isinstance(dataset, dict) else f"has no usable dataset type (its id): {clip(dataset.get('type'), 80)!r}"
        return [], [Problem("missing_dataset", f"{where} {why}; its scores have no comparable key", clip(result), where)]
    metrics = _as_list(result.get("metrics"))
    if metrics is None:
        return [], [Problem("wrong_shape", f"{where} has no list of metrics", clip(result), where)]
    task = result.get("task") if isinstance(result.get("task"), dict) else {}
    source = result.get("source") if isinstance(result.get("source"), dict) else {}
    common = _drop_none(
        {
            "entry_name": entry_name,
            "task_type": _text(task.get("type")),
            "dataset_name": _text(dataset.get("name")),
            "dataset_revision": _text(dataset.get("revision")),
            "source_name": _text(source.get("name")),
            "source_url": _text(source.get("url")),
        }
    )
    scores: list[Score] = []
    problems: list[Problem] = []
    for k, metric in enumerate(metrics):
        at = f"{where}.metrics[{k}]"
        if not isinstance(metric, dict):
            problems.append(Problem("wrong_shape", f"{at} is a {type(metric).__name__}, not a mapping", clip(metric), at))
            continue
        metric_type = _key_part(metric.get("type"))
        if metric_type is None:
            problems.append(Problem("unknown_metric", f"{at} has no usable metric type: {clip(metric.get('type'), 80)!r}", clip(metric), at))
            continue
        raw = metric.get("value")
        value, reason, _ = parse_score(raw)
        if value is None:
            problems.append(Problem(reason or "unparseable_value", f"{at} ({metric_type}) value {clip(raw, 80)!r} is not a number", clip(metric), at))
            continue
        detail = dict(common)
        detail.update(_drop_none({"metric_name": _text(metric.get("name")), "verified": metric.get("verified") if isinstance(metric.get("verified"), bool) else None}))
        scores.append(
            Score(
                source=MODEL_INDEX,
                dataset=dataset_type,
                config=_text(dataset.get("config")),
                split=_text(dataset.get("split")),
                metric=metric_type,
                value=value,
                benchmark=common.get("dataset_name") or dataset_type,
                raw_value=None if isinstance(raw, (int, float)) else clip(raw, 200),
                origin=at,
                detail=detail,
            )
        )
    return scores, problems


def parse_eval_results(eval_results: Any) -> tuple[list[Score], list[Problem]]:
    """Scores from ``evalResults`` (``.eval_results/*.yaml`` as the Hub serves them).

    Items look like ``{"filename": ..., "data": {entry}}``; an item the Hub could not validate
    is ``{"filename": ..., "error": "..."}``. Bare entries are accepted too.

    >>> scores, problems = parse_eval_results([
    ...     {"filename": ".eval_results/gpqa.yaml",
    ...      "data": {"dataset": {"id": "Idavidrein/gpqa", "task_id": "gpqa_diamond"}, "value": 0.412}},
    ...     {"filename": ".eval_results/bad.yaml", "error": "Invalid input"}])
    >>> [(s.benchmark_key, s.value) for s in scores]
    [('idavidrein/gpqa|gpqa_diamond||', 0.412)]
    >>> [p.reason for p in problems]
    ['invalid_eval_results_file']
    """
    scores: list[Score] = []
    problems: list[Problem] = []
    eval_results = _decoded(eval_results)
    items = _as_list(eval_results)
    if items is None:
        return [], [Problem("wrong_shape", f"evalResults is a {type(eval_results).__name__}, not a list", clip(eval_results), "evalResults")]
    for i, item in enumerate(items):
        where = f"evalResults[{i}]"
        if not isinstance(item, dict):
            problems.append(Problem("wrong_shape", f"{where} is a {type(item).__name__}, not a mapping", clip(item), where))
            continue
        filename = _text(item.get("filename"))
        if "error" in item:
            problems.append(Problem("invalid_eval_results_file", f"{filename or where}: {clip(item.get('error'), 300)}", clip(item), where))
            continue
        data = item.get("data", item)
        for at, entry in _entries(data, where):
            s, p = _parse_entry(entry, at, filename)
            scores.extend(s)
            problems.extend(p)
    return scores, problems


def _entries(data: Any, where: str) -> Iterator[tuple[str, Any]]:
    if isinstance(data, list):  # a whole file's list of entries
        for k, entry in enumerate(data):
            yield f"{where}.data[{k}]", entry
    else:
        yield where, data


def _parse_entry(entry: Any, at: str, filename: str | None) -> tuple[list[Score], list[Problem]]:
    if not isinstance(entry, dict):
        return [], [Problem("wrong_shape", f"{at} is a {type(entry).__name__}, not a mapping", clip(entry), at)]
    dataset = entry.get("dataset")
    dataset_id = _key_part(dataset.get("id")) if isinstance(dataset, dict) else None
    if dataset_id is None:
        return [], [Problem("missing_dataset", f"{at} has no dataset id", clip(entry), at)]
    raw = entry.get("value")
    value, reason, _ = parse_score(raw)
    if value is None:
        return [], [Problem(reason or "unparseable_value", f"{at} ({dataset_id}) value {clip(raw, 80)!r} is not a number", clip(entry), at)]
    task_id = _text(dataset.get("task_id"))
    source = entry.get("source") if isinstance(entry.get("source"), dict) else {}
    detail = _drop_none(
        {
            "filename": filename,
            "dataset_revision": _text(dataset.get("revision")),
            "verified": bool(entry.get("verifyToken")),
            "date": _text(entry.get("date")),
            "source_name": _text(source.get("name")),
            "source_url": _text(source.get("url")),
            "notes": _text(entry.get("notes")),
        }
    )
    score = Score(
        source=EVAL_RESULTS,
        dataset=dataset_id,
        config=task_id,
        split=None,
        metric=None,
        value=value,
        benchmark=f"{dataset_id}/{task_id}" if task_id else dataset_id,
        raw_value=None if isinstance(raw, (int, float)) else clip(raw, 200),
        origin=at,
        detail=detail,
    )
    return [score], []
