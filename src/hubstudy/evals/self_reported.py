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


# -- the same reading in SQL, for documents of the plain shape ---------------------------------
#
# Parsing every model's JSON in Python costs tens of seconds at Hub scale, yet nearly every
# document has the plain shape: lists of mappings, string fields, numeric values. The SQL below
# reads those inside DuckDB and gives exactly the rows the parsers above would give. Anything
# else (a field of another type, a string value, a placeholder, text whose lower-casing or JSON
# escaping could differ between Python and DuckDB, a document orjson would refuse) marks the
# whole document "not plain", and the loader hands it to the Python parsers, which also write
# every problem. tests/test_evals_plain_sql.py holds the two paths to the same output.
#
# Each document is parsed once, by ``json_transform`` into nested lists of structs whose leaves
# stay JSON (so a leaf's type can be told: ``"`` starts a string). Where the shape differs, the
# lax transform gives NULL (a list or a field of another type) or a struct of NULLs (an element
# that is not a mapping); either leaves a required field empty, which makes the part not plain.
# JSON null and a missing key both read as NULL, as Python's ``.get()`` makes them the same.
#
# The stored documents come from ``orjson.dumps`` or ``json.dumps`` of decoded JSON, so keys are
# unique within an object (DuckDB reads the first of duplicate keys, Python the last).

# The code points ``str.strip()`` removes (``str.isspace()``); DuckDB's ``trim(s, chars)``
# removes the same set from both ends (slowly: a regex first tells whether there is any).
_STRIP_CODEPOINTS = (9, 10, 11, 12, 13, 28, 29, 30, 31, 32, 133, 160, 5760, *range(8192, 8203), 8232, 8233, 8239, 8287, 12288)
_STRIP = "'" + "".join(chr(c) for c in _STRIP_CODEPOINTS) + "'"
_EDGE_SPACE = "^[{0}]|[{0}]$".format("".join(f"\\x{{{c:x}}}" for c in _STRIP_CODEPOINTS))
# What sends a whole document to Python: literals DuckDB accepts and orjson refuses (NaN,
# infinities, numbers that overflow a double), and escaped control characters (DuckDB's
# ``to_json`` writes some in upper-case hex, orjson in lower case; raw ones are not valid JSON).
# A match inside a string only costs a Python parse.
_NOT_PLAIN = r"[\[:,]\s*-?(NaN|Infinity|[0-9.]+[eE]\+?[0-9]{3}|[0-9]{300})|\\[bfnrt]|\\u00[01]"
_PLACEHOLDERS_SQL = ", ".join(f"'{p}'" for p in sorted(_PLACEHOLDERS))

_MODEL_INDEX_SHAPE = (
    '[{"name": "JSON", "results": [{"dataset": {"type": "JSON", "name": "JSON", "config": "JSON", "split": "JSON", "revision": "JSON"},'
    ' "task": {"type": "JSON"}, "source": {"name": "JSON", "url": "JSON"},'
    ' "metrics": [{"type": "JSON", "value": "JSON", "name": "JSON", "verified": "JSON"}]}]}]'
)
_EVAL_ENTRY_FIELDS = ('"dataset": {"id": "JSON", "task_id": "JSON", "revision": "JSON"}, "value": "JSON", "verifyToken": "JSON",'
                      ' "date": "JSON", "source": {"name": "JSON", "url": "JSON"}, "notes": "JSON"')
_EVAL_RESULTS_SHAPE = f'[{{"filename": "JSON", "data": {{{_EVAL_ENTRY_FIELDS}}}, {_EVAL_ENTRY_FIELDS}}}]'
# Python tells a missing key from a null one for these two (``"error" in item``, ``item.get("data", item)``),
# the transform does not: a document that has an ``error`` key goes to Python, and one that has a
# ``data`` key reads every item's entry from it (an item without one is then not plain).
_ERROR_KEY = r'"error"\s*:'
_DATA_KEY = r'"data"\s*:'


def _sql_leaves(src: str, leaves: dict[str, str]) -> str:
    """``src`` with, for each leaf (alias -> JSON path expression), its JSON text ``<alias>_j``
    (NULL when missing or JSON null), its value ``<alias>_s`` when a string, and ``<alias>_t``:
    what ``_text()`` makes of it (the string stripped, None when empty)."""
    raw = ", ".join(f"CAST({path} AS VARCHAR) AS {a}_j" for a, path in leaves.items())
    strings = ", ".join(f"CASE WHEN starts_with({a}_j, '\"') THEN CAST({a}_j AS JSON) ->> '$' END AS {a}_s" for a in leaves)
    texts = ", ".join(f"nullif(CASE WHEN regexp_matches({a}_s, '{_EDGE_SPACE}') THEN trim({a}_s, {_STRIP}) ELSE {a}_s END, '') AS {a}_t"
                      for a in leaves)
    return f"(SELECT *, {texts} FROM (SELECT *, {strings} FROM (SELECT *, {raw} FROM {src})))"


def _plain_text(a: str) -> str:
    """Leaf ``a`` is missing, null or a string, so ``<a>_t`` is what ``_text()`` gives."""
    return f"({a}_j IS NULL OR {a}_s IS NOT NULL)"


def _plain_key(a: str) -> str:
    """As ``_plain_text``, and ASCII: lower-cased by SQL as by Python."""
    return f"({a}_j IS NULL OR strlen({a}_s) = length({a}_s))"


def _named(a: str) -> str:
    """``_key_part()`` of leaf ``a`` is an ASCII string, not None and not a placeholder."""
    return f"(strlen({a}_s) = length({a}_s) AND lower({a}_t) NOT IN ({_PLACEHOLDERS_SQL}))"


def _number(a: str) -> str:
    """Leaf ``a`` is a finite JSON number (``parse_score`` reads it with no problem)."""
    return f"({a}_s IS NULL AND isfinite(TRY_CAST({a}_j AS DOUBLE)))"


def _sql_detail(pairs: list[tuple[str, str]]) -> str:
    """The ``detail`` JSON text as ``orjson.dumps`` writes it: keys in order, None values left out,
    NULL when nothing is left. ``pairs``: (key, SQL giving the JSON text of the value, or NULL)."""
    parts = ", ".join(f"'\"{k}\":' || {v}" for k, v in pairs)
    return f"nullif('{{' || concat_ws(',', {parts}) || '}}', '{{}}')"


def _sql_documents(src: str, source: str, shape: str, extra: str = "") -> str:
    """CTE ``doc``: the documents of ``src`` (id, sha, doc) transformed to ``shape`` (``x``), ``plain``
    when a JSON null or a list with nothing in :data:`_NOT_PLAIN` (or in ``extra``, a regex)."""
    not_plain = _NOT_PLAIN + (f"|{extra}" if extra else "")
    return (f"doc AS MATERIALIZED (SELECT *, coalesce(NOT regexp_matches(CAST(doc AS VARCHAR), '{not_plain}') "
            f"AND CASE WHEN x IS NOT NULL THEN true ELSE json_type(doc) = 'NULL' END, false) AS plain "
            f"FROM (SELECT id, sha, '{source}' AS source, doc, json_transform(doc, '{shape}') AS x FROM {src} WHERE doc IS NOT NULL))")


def _sql_items(src: str, items: str, index: str) -> str:
    """One row (``x``) per element of the list column ``items`` of the plain rows of ``src``, with its 0-based position."""
    return (f"(SELECT * EXCLUDE (_xs), unnest(_xs) AS x, unnest(range(len(_xs))) AS {index} "
            f"FROM (SELECT * EXCLUDE ({items}, plain), {items} AS _xs FROM {src} WHERE plain))")


def _sql_rows(levels: list[str], scores: str) -> str:
    """Marker rows (``plain`` false) of every level, then the score rows."""
    marks = "".join(f"SELECT id, source, plain FROM {level} WHERE NOT plain\nUNION ALL BY NAME " for level in levels)
    return marks + scores


def model_index_sql(src: str) -> str:
    """SQL reading the model-index documents of ``src`` (columns id, sha, doc) like :func:`parse_model_index`.

    Rows: (id, source, plain, benchmark_key, benchmark, dataset, config, split, metric, value,
    raw_value, revision, origin, detail). A row with ``plain`` false marks a document (or a part
    of it) of another shape: every row of that id is to be ignored and the document parsed in Python.
    """
    pt, pk = _plain_text, _plain_key
    entry = _sql_leaves(_sql_items("doc", "x", "i"), {"name": "x.name"})
    result = _sql_leaves(_sql_items("entry", "results", "j"), {
        "dtype": "x.dataset.type", "dname": "x.dataset.name", "dconfig": "x.dataset.config", "dsplit": "x.dataset.split",
        "drev": "x.dataset.revision", "ttype": "x.task.type", "sname": "x.source.name", "surl": "x.source.url"})
    metric = _sql_leaves(_sql_items("result", "metrics", "k"), {"mtype": "x.type", "mvalue": "x.value", "mname": "x.name"})
    return f"""
WITH {_sql_documents(src, MODEL_INDEX, _MODEL_INDEX_SHAPE)},
entry AS MATERIALIZED (
    SELECT id, sha, source, x.results AS results, i, name_t AS entry_name,
           coalesce(x IS NOT NULL AND x.results IS NOT NULL AND {pt('name')}, false) AS plain
    FROM {entry}),
result AS MATERIALIZED (
    SELECT id, sha, source, x.metrics AS metrics, i, j, entry_name, dtype_t AS dataset, dname_t AS dataset_name, dconfig_t AS config,
           dsplit_t AS split, drev_t AS dataset_revision, ttype_t AS task_type, sname_t AS source_name, surl_t AS source_url,
           coalesce(x IS NOT NULL AND x.metrics IS NOT NULL AND {_named('dtype')} AND {pt('dname')} AND {pk('dconfig')}
                    AND {pk('dsplit')} AND {pt('drev')} AND {pt('ttype')} AND {pt('sname')} AND {pt('surl')}, false) AS plain
    FROM {result}),
metric AS (
    SELECT *, mtype_t AS metric, TRY_CAST(mvalue_j AS DOUBLE) AS value, mname_t AS metric_name,
           CASE CAST(x.verified AS VARCHAR) WHEN 'true' THEN true WHEN 'false' THEN false END AS verified,
           coalesce(x IS NOT NULL AND {_named('mtype')} AND {_number('mvalue')} AND {pt('mname')}, false) AS plain
    FROM {metric})
""" + _sql_rows(["doc", "entry", "result"], f"""
SELECT id, source, plain,
       lower(dataset) || '|' || lower(coalesce(config, '')) || '|' || lower(coalesce(split, '')) || '|' || lower(metric) AS benchmark_key,
       coalesce(dataset_name, dataset) AS benchmark, dataset, config, split, metric, value, NULL::VARCHAR AS raw_value,
       sha AS revision, 'model-index[' || i || '].results[' || j || '].metrics[' || k || ']' AS origin,
       {_sql_detail([("entry_name", "to_json(entry_name)"), ("task_type", "to_json(task_type)"),
                     ("dataset_name", "to_json(dataset_name)"), ("dataset_revision", "to_json(dataset_revision)"),
                     ("source_name", "to_json(source_name)"), ("source_url", "to_json(source_url)"),
                     ("metric_name", "to_json(metric_name)"),
                     ("verified", "CASE WHEN verified THEN 'true' WHEN NOT verified THEN 'false' END")])} AS detail
FROM metric""")


def _truthy(a: str) -> str:
    """Python's ``bool()`` of leaf ``a`` (False when missing or JSON null)."""
    j = f"{a}_j"
    return (f"CASE WHEN {j} IS NULL OR {j} IN ('false', '\"\"', '[]', '{{}}') THEN false "
            f"WHEN {j} = 'true' OR {a}_s IS NOT NULL OR starts_with({j}, '[') OR starts_with({j}, '{{') THEN true "
            f"ELSE coalesce(TRY_CAST({j} AS DOUBLE) <> 0, true) END")


def eval_results_sql(src: str) -> str:
    """SQL reading the evalResults documents of ``src`` (columns id, sha, doc) like :func:`parse_eval_results`.

    Same rows as :func:`model_index_sql`. Not plain, besides: a document with an ``error`` key
    (an item the Hub could not validate), and items whose ``data`` is missing, null or a list
    while the document mentions ``data`` (Python then reads the item itself, or a whole file).
    """
    pt, pk = _plain_text, _plain_key
    with_data = f"(SELECT *, regexp_matches(CAST(doc AS VARCHAR), '{_DATA_KEY}') AS has_data FROM doc)"
    # the entry: the item's data, else the item itself
    items = (f"(SELECT *, CASE WHEN has_data THEN x.data ELSE struct_pack(dataset := x.dataset, value := x.value, "
             f"verifyToken := x.verifyToken, date := x.date, source := x.source, notes := x.notes) END AS ent "
             f"FROM {_sql_items(with_data, 'x', 'i')})")
    entry = _sql_leaves(items, {
        "fname": "x.filename", "did": "ent.dataset.id", "dtask": "ent.dataset.task_id", "drev": "ent.dataset.revision",
        "val": "ent.value", "vtoken": "ent.verifyToken", "edate": "ent.date", "sname": "ent.source.name",
        "surl": "ent.source.url", "notes": "ent.notes"})
    return f"""
WITH {_sql_documents(src, EVAL_RESULTS, _EVAL_RESULTS_SHAPE, extra=_ERROR_KEY)},
entry AS (
    SELECT id, sha, source, i, fname_t AS filename, did_t AS dataset, dtask_t AS task_id, drev_t AS dataset_revision,
           TRY_CAST(val_j AS DOUBLE) AS value, {_truthy('vtoken')} AS verified, edate_t AS date, sname_t AS source_name,
           surl_t AS source_url, notes_t AS notes,
           coalesce(ent IS NOT NULL AND {pt('fname')} AND {_named('did')} AND {pk('dtask')} AND {pt('drev')}
                    AND {_number('val')} AND {pt('edate')} AND {pt('notes')} AND {pt('sname')} AND {pt('surl')}, false) AS plain
    FROM {entry})
""" + _sql_rows(["doc"], f"""
SELECT id, source, plain,
       lower(dataset) || '|' || lower(coalesce(task_id, '')) || '||' AS benchmark_key,
       CASE WHEN task_id IS NOT NULL THEN dataset || '/' || task_id ELSE dataset END AS benchmark,
       dataset, task_id AS config, NULL::VARCHAR AS split, NULL::VARCHAR AS metric, value, NULL::VARCHAR AS raw_value,
       sha AS revision, 'evalResults[' || i || ']' AS origin,
       {_sql_detail([("filename", "to_json(filename)"), ("dataset_revision", "to_json(dataset_revision)"),
                     ("verified", "CASE WHEN verified THEN 'true' ELSE 'false' END"), ("date", "to_json(date)"),
                     ("source_name", "to_json(source_name)"), ("source_url", "to_json(source_url)"), ("notes", "to_json(notes)")])} AS detail
FROM entry""")
