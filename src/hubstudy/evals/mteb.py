"""MTEB results: the ``mteb/results`` dataset (main scores of every submitted run).

The dataset holds parquet shards under ``data/`` (``train-0000K-of-0000N.parquet``), discovered
through the tree API, never by a hard-coded count. Columns: ``model_name``, ``model_revision``,
``task_name``, ``split``, ``subset``, ``language``, ``score`` (0..1), ``is_public``.
``model_revision == "external"`` marks scores the model's authors reported themselves: those rows
become source ``mteb_external`` (self-reported), all others source ``mteb`` (uniform harness).

The loader folds rows of the same (model, revision, task, split, subset) into one score (their
mean; e.g. one row per language), so ``eval_scores`` keeps one row per revision and key and the
study can take "the mean over its revisions" as study.md defines.

:func:`task_result_rows` reads one raw result file of the GitHub repository
``embeddings-benchmark/results`` (``results/<org>__<model>/<revision>/<Task>.json``) into rows of
the parquet's shape: the same rows the upstream push script publishes, so small real files can
stand in for the big table (tests, the replay world).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._records import Problem, clip, parse_score

SOURCE = "mteb"
SOURCE_EXTERNAL = "mteb_external"
REPO_ID = "mteb/results"
FOLDER = "data"
EXTERNAL_REVISION = "external"
REQUIRED = ("model_name", "model_revision", "task_name", "split", "subset", "score")
PARQUET_COLUMNS = ("model_name", "model_revision", "task_name", "split", "subset", "language", "score", "is_public")


def task_result_rows(doc: Any, model_name: str, model_revision: str) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Rows ``{model_name, model_revision, task_name, split, subset, language, score, is_public}``
    from one raw MTEB task result (``{"task_name", "scores": {split: [{"hf_subset", "languages",
    "main_score", ...}]}}``). ``is_public`` is not in the file and comes back as None.

    >>> rows, problems = task_result_rows(
    ...     {"task_name": "Banking77Classification",
    ...      "scores": {"test": [{"hf_subset": "default", "languages": ["eng-Latn"], "main_score": 0.8004}]}},
    ...     "sentence-transformers/all-MiniLM-L6-v2", "8b3219a")
    >>> [(r["task_name"], r["split"], r["subset"], r["score"]) for r in rows]
    [('Banking77Classification', 'test', 'default', 0.8004)]
    >>> task_result_rows({"task_name": "X", "scores": {"test": [{"hf_subset": "default"}]}}, "m", "r")[1][0].reason
    'missing_value'
    """
    if not isinstance(doc, Mapping):
        return [], [Problem("wrong_shape", f"result file is a {type(doc).__name__}, not a mapping", clip(doc), "file")]
    task = doc.get("task_name")
    if not isinstance(task, str) or not task.strip():
        return [], [Problem("missing_benchmark", "result file has no task_name", clip(doc), "task_name")]
    scores = doc.get("scores")
    if not isinstance(scores, Mapping):
        return [], [Problem("wrong_shape", f"{task}: scores is not a mapping of splits", clip(scores), "scores")]
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for split, entries in scores.items():
        for where, entry in _split_entries(entries, f"scores.{split}"):
            if not isinstance(entry, Mapping):
                problems.append(Problem("wrong_shape", f"{task} {where} is not a mapping", clip(entry), where))
                continue
            value, reason, percent = parse_score(entry.get("main_score"))
            if value is None:
                problems.append(Problem(reason or "unparseable_value", f"{task} {where}: main_score is not a number", clip(entry), where))
                continue
            languages = entry.get("languages")
            rows.append(
                {
                    "model_name": model_name,
                    "model_revision": model_revision,
                    "task_name": task,
                    "split": str(split),
                    "subset": str(entry.get("hf_subset") or "default"),
                    "language": [str(x) for x in languages] if isinstance(languages, list) else [],
                    "score": value / 100 if percent else value,
                    "is_public": None,
                }
            )
    return rows, problems


def _split_entries(entries: Any, where: str) -> list[tuple[str, Any]]:
    """The subset entries of one split: a list (current format) or, in old files, a mapping
    that is either one entry or ``{subset: entry}``."""
    if isinstance(entries, list):
        return [(f"{where}[{i}]", e) for i, e in enumerate(entries)]
    if isinstance(entries, Mapping):
        if "main_score" in entries:
            return [(where, entries)]
        return [(f"{where}.{name}", {"hf_subset": name, **e} if isinstance(e, Mapping) else e) for name, e in entries.items()]
    return [(where, entries)]
