"""What every eval parser returns: scores that could be read, and problems that could not.

Pure data and pure functions, shared by the three sources. A :class:`Score` carries the parts of
its comparability key separately (dataset, config, split, metric) so joins can use them, and
:func:`self_reported_key` / the SQL of each source turn them into ``benchmark_key``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import orjson

RAW_LIMIT = 2000  # quarantine.raw is truncated to this many characters

# "62.03", "62.03%", "71.2 ± 0.4", "71.2 +/- 0.4", "1e-3"
_NUMBER = re.compile(
    r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(%?)\s*(?:(?:±|\+/-|\+-).*)?$"
)


@dataclass(frozen=True)
class Score:
    """One score read from a self-reported source."""

    source: str
    dataset: str
    config: str | None
    split: str | None
    metric: str | None
    value: float
    benchmark: str
    raw_value: str | None = None
    origin: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def benchmark_key(self) -> str:
        return self_reported_key(self.dataset, self.config, self.split, self.metric)


@dataclass(frozen=True)
class Problem:
    """Something that could not be used as sent, with a machine-readable reason."""

    reason: str
    detail: str
    raw: str
    origin: str = ""


def clip(value: Any, limit: int = RAW_LIMIT) -> str:
    """A value as text for ``quarantine.raw``, truncated."""
    if isinstance(value, str):
        return value[:limit]
    try:
        return orjson.dumps(value, default=repr).decode()[:limit]
    except TypeError:  # e.g. integers beyond 64 bits
        return repr(value)[:limit]


def self_reported_key(dataset: str, config: str | None, split: str | None, metric: str | None) -> str:
    """The comparability key of a self-reported score: (dataset type or id, config, split, metric type).

    Parts are trimmed and lower-cased (people type them by hand, and Hub ids are
    case-insensitive); a missing part is empty.

    >>> self_reported_key("ai2_arc", "ARC-Challenge", "test", "acc_norm")
    'ai2_arc|arc-challenge|test|acc_norm'
    >>> self_reported_key("cais/hle", "default", None, None)
    'cais/hle|default||'
    """
    return "|".join((p or "").strip().lower() for p in (dataset, config, split, metric))


def parse_score(value: Any) -> tuple[float | None, str | None, bool]:
    """Read a score the way people write it: ``(number, reason it failed, written as percent)``.

    Numbers pass through; strings may carry a trailing ``%`` or a ``± error`` part. A percent
    string keeps the number as written (``"62.03%"`` is 62.03); callers whose column holds
    fractions divide by 100 themselves.

    >>> parse_score(62.03)
    (62.03, None, False)
    >>> parse_score(" 62.03% ")
    (62.03, None, True)
    >>> parse_score("71.2 ± 0.4")
    (71.2, None, False)
    >>> parse_score(float("nan"))
    (None, 'non_finite_value', False)
    >>> parse_score("n/a")
    (None, 'unparseable_value', False)
    >>> parse_score(None)
    (None, 'missing_value', False)
    >>> parse_score(True)
    (None, 'unparseable_value', False)
    """
    if value is None:
        return None, "missing_value", False
    if isinstance(value, bool):
        return None, "unparseable_value", False
    if isinstance(value, (int, float)):
        number = float(value)
        if not math.isfinite(number):
            return None, "non_finite_value", False
        return number, None, False
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in ("nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "-infinity"):
            return None, "non_finite_value", False
        m = _NUMBER.match(text)
        if not m:
            return None, "unparseable_value", False
        number = float(m.group(1))
        if not math.isfinite(number):
            return None, "non_finite_value", False
        return number, None, bool(m.group(2))
    return None, "unparseable_value", False
