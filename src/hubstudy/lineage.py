"""Lineage: who a model was derived from, and how. Pure functions, no I/O.

Two places on the Hub say it:

* tags the Hub computes, one pair per parent: ``base_model:<id>`` and
  ``base_model:<relation>:<id>`` with relation in finetune, adapter, quantized, merge;
* the card's YAML, ``base_model: <id>`` or a list (a merge), with an optional
  ``base_model_relation``.

The tags win where they exist (they are the Hub's own reading of the card); the card is used
only when the tags carry no lineage at all, and then the relation is ``unknown`` unless the card
states it. Everything that cannot be used as sent comes back as an :class:`Issue` so the caller
can quarantine it with its reason.

>>> edges, issues = edges_from_tags(["base_model:org/a", "base_model:finetune:org/a", "license:mit"])
>>> [(e.parent, e.relation) for e in edges]
[('org/a', 'finetune')]
>>> edges, issues = edges_from_card({"base_model": ["x/one", "x/two"], "base_model_relation": "merge"})
>>> [(e.parent, e.relation, e.source) for e in edges]
[('x/one', 'merge', 'card'), ('x/two', 'merge', 'card')]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

RELATIONS = ("finetune", "adapter", "quantized", "merge")
MAX_PARENTS = 64
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*(/[A-Za-z0-9._\-]+)?$")
_URL_PREFIX = re.compile(r"^https?://(www\.)?huggingface\.co/", re.I)


class Edge(NamedTuple):
    parent: str
    relation: str
    source: str  # "tags" | "card"


class Issue(NamedTuple):
    reason: str
    detail: str
    raw: str


def _clip(value: Any, n: int = 2000) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text[:n]


def clean_parent_id(value: Any) -> tuple[str | None, Issue | None]:
    """A declared parent as a usable repo id, or the reason it is not one.

    >>> clean_parent_id(" https://huggingface.co/google-bert/bert-base-uncased ")
    ('google-bert/bert-base-uncased', None)
    >>> clean_parent_id(42)[1].reason
    'bad_base_model'
    """
    if type(value) is str and len(value) <= 200 and _ID.match(value):  # the common case: already clean
        return value, None
    if not isinstance(value, str):
        return None, Issue("bad_base_model", f"base_model entry is a {type(value).__name__}, not a repo id", _clip(value))
    text = _URL_PREFIX.sub("", value.strip()).strip("/")
    if text.startswith("models/"):
        text = text[len("models/"):]
    if not text:
        return None, Issue("bad_base_model", "base_model entry is empty", _clip(value))
    if len(text) > 200 or not _ID.match(text):
        return None, Issue("bad_base_model", "base_model entry is not a valid repo id", _clip(value))
    return text, None


def edges_from_tags(tags: Any) -> tuple[list[Edge], list[Issue]]:
    """Edges from the Hub's ``base_model:*`` tags (one per parent)."""
    if tags is None:
        return [], []
    if not isinstance(tags, list):
        return [], [Issue("bad_tags", f"tags is a {type(tags).__name__}, not a list", _clip(tags))]
    try:  # fast path: most models carry no lineage tag at all
        lineage_tags = [t for t in tags if t.startswith("base_model:")]
    except (AttributeError, TypeError):
        lineage_tags = [t for t in tags if isinstance(t, str) and t.startswith("base_model:")]
    if not lineage_tags:
        return [], []
    plain: list[str] = []
    relation: dict[str, str] = {}
    issues: list[Issue] = []
    for tag in lineage_tags:
        rest = tag[len("base_model:"):]
        head, sep, tail = rest.partition(":")
        if sep:
            if head not in RELATIONS:
                issues.append(Issue("unknown_relation", f"tag names relation {head!r}", _clip(tag)))
                continue
            parent, bad = clean_parent_id(tail)
            if bad:
                issues.append(bad)
                continue
            assert parent is not None
            if parent in relation and relation[parent] != head:
                issues.append(Issue("conflicting_relation", f"{parent} tagged as {relation[parent]} and {head}", _clip(tag)))
                continue
            relation.setdefault(parent, head)
        else:
            parent, bad = clean_parent_id(rest)
            if bad:
                issues.append(bad)
                continue
            assert parent is not None
            plain.append(parent)
    order = list(dict.fromkeys(plain + list(relation)))
    return [Edge(p, relation.get(p, "unknown"), "tags") for p in order], issues


def edges_from_card(card: Any) -> tuple[list[Edge], list[Issue]]:
    """Edges from ``cardData.base_model`` (+ ``base_model_relation``)."""
    if card is None:
        return [], []
    if not isinstance(card, Mapping):
        return [], [Issue("bad_card_data", f"cardData is a {type(card).__name__}, not a mapping", _clip(card))]
    if "base_model" not in card or card["base_model"] is None:
        return [], []
    value = card["base_model"]
    issues: list[Issue] = []
    if isinstance(value, str):
        values: list[Any] = [value]
    elif isinstance(value, list):
        values = value
    else:
        return [], [Issue("bad_base_model", f"base_model is a {type(value).__name__}", _clip(value))]
    if len(values) > MAX_PARENTS:
        return [], [Issue("too_many_parents", f"base_model lists {len(values)} entries (limit {MAX_PARENTS})", _clip(values[:20]))]
    rel = card.get("base_model_relation")
    if rel is not None and rel not in RELATIONS:
        issues.append(Issue("unknown_relation", f"base_model_relation {rel!r} is not one of {', '.join(RELATIONS)}", _clip(rel)))
        rel = None
    parents: list[str] = []
    for v in values:
        parent, bad = clean_parent_id(v)
        if bad:
            issues.append(bad)
        elif parent not in parents:
            parents.append(parent)  # type: ignore[arg-type]
    return [Edge(p, rel or "unknown", "card") for p in parents], issues


def _drop_self_loops(model_id: str, edges: list[Edge], issues: list[Issue]) -> list[Edge]:
    me = model_id.lower()
    out = []
    for e in edges:
        if e.parent.lower() == me:
            issues.append(Issue("self_loop", "the model names itself as its base model", e.parent))
        else:
            out.append(e)
    return out


def tag_lineage(model_id: str, tags: Any) -> tuple[list[Edge], list[Issue]]:
    """``edges_from_tags`` without self-loops (reported as issues)."""
    edges, issues = edges_from_tags(tags)
    return _drop_self_loops(model_id, edges, issues), issues


def card_lineage(model_id: str, card: Any) -> tuple[list[Edge], list[Issue]]:
    """``edges_from_card`` without self-loops (reported as issues)."""
    edges, issues = edges_from_card(card)
    return _drop_self_loops(model_id, edges, issues), issues


def edges_for_record(model_id: str, tags: Any, card: Any) -> tuple[list[Edge], list[Issue]]:
    """The lineage of one model: tags first, the card only when the tags say nothing.

    Self-loops are dropped and reported. The build applies the same rule in SQL to the
    tag and card edges the crawl stored, so this function is the reference for it.

    >>> e, i = edges_for_record("me/x", ["base_model:me/x"], None)
    >>> e, i[0].reason
    ([], 'self_loop')
    """
    edges, issues = tag_lineage(model_id, tags)
    card_edges, card_issues = card_lineage(model_id, card)
    return (edges or card_edges), issues + card_issues


def primary_parent(parents: Iterable[str]) -> str | None:
    """The parent a family tree follows: the first declared."""
    for p in parents:
        return p
    return None


def families(parents_of: Mapping[str, list[str]]) -> tuple[dict[str, tuple[str | None, int | None]], set[str]]:
    """Root and depth of every node by following primary parents, and the nodes inside cycles.

    ``parents_of`` maps a child to its parents (primary first). Nodes only ever seen as parents
    are roots. A walk that comes back to a node on its own path marks that loop as a cycle;
    nodes that lead into a cycle get no root either. Iterative, so deep chains do not recurse.

    >>> fam, cyc = families({"b": ["a"], "c": ["b"], "x": ["y"], "y": ["x"]})
    >>> fam["c"], fam["a"], sorted(cyc), fam["x"]
    (('a', 2), ('a', 0), ['x', 'y'], (None, None))
    """
    result: dict[str, tuple[str | None, int | None]] = {}
    cycles: set[str] = set()
    for start in parents_of:
        if start in result:
            continue
        path: list[str] = []
        on_path: dict[str, int] = {}
        node: str | None = start
        while True:
            if node in result:
                root, depth = result[node]
                break
            if node in on_path:
                loop = path[on_path[node]:]
                cycles.update(loop)
                root, depth = None, None
                break
            ps = parents_of.get(node) if node is not None else None
            if not ps:
                root, depth = node, 0
                result[node] = (root, 0)  # type: ignore[index]
                break
            on_path[node] = len(path)  # type: ignore[index]
            path.append(node)  # type: ignore[arg-type]
            node = primary_parent(ps)
        for n in reversed(path):
            if root is None or depth is None:
                result[n] = (None, None)
            else:
                depth += 1
                result[n] = (root, depth)
    return result, cycles
