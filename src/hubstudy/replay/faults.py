"""Fault injection for the replay server.

A fault spec is a comma-separated string (CLI), a dict, or a :class:`FaultSpec`.

String syntax (items separated by commas, whitespace ignored)::

    <kind>:<rate>[@<param>]          seeded random: each eligible request starts this fault with
                                     probability <rate> (0..1)
    at:<n>[-<m>]=<kind>[@<param>]    deterministic: eligible request number n (1-based), or every
                                     request n..m, gets this fault
    seed:<int>                       RNG seed for the random rules (default 0)
    scope:listing|api|all            which requests are eligible and counted (default api)
    retry:<seconds>                  't' / Retry-After sent with injected 429s (default 1)

Kinds:

    500 502 503 504   answer with that status and a JSON error body
    5xx               one of 500/502/503/504, picked by the seeded RNG
    429               answer 429 with RateLimit headers (r=0) and Retry-After
    drop              close the connection without answering
    slow              sleep, then answer normally (default 15 s: longer than client timeouts)
    badjson           200 with an invalid JSON body (correct Content-Length)
    truncate          declare the full Content-Length, send part of the body, close
    repeat            listing pages only: the Link "next" URL points at the current page again

Params: ``@<n>`` or ``@<n>x`` is a burst length (random and ``at:`` rules alike): this request
and the next n-1 eligible requests get the same fault (``at:3=503@3x`` = requests 3, 4, 5). ``@<sec>s`` / ``@<ms>ms`` is the sleep of
``slow``. Examples::

    "500:0.02,drop:0.01,slow:0.01@5s,at:17=503"
    "503:0.05@3x,429:0.01@4,seed:7"
    "at:3=drop,at:5-6=429,at:9=truncate,scope:listing"

Dict form (same meaning)::

    {"500": 0.02, "slow": {"rate": 0.01, "seconds": 5}, "503": "0.05@3x",
     "at": {"17": "503", "20-22": "429"}, "seed": 1, "scope": "api", "retry": 1}

Eligible requests: ``scope=listing`` -> GET /api/{models,datasets,spaces} listings only;
``api`` (default) -> every /api/* request except /api/agent-harnesses; ``all`` -> also
/resolve/ file downloads. /_replay/* control requests are never eligible. The request counter
used by ``at:`` counts eligible requests from server start (or the last ``set_faults``).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

KINDS = ("500", "502", "503", "504", "5xx", "429", "drop", "slow", "badjson", "truncate", "repeat")
SCOPES = ("listing", "api", "all")
DEFAULT_SLOW = 15.0


@dataclass
class FaultRule:
    kind: str
    burst: int = 1
    seconds: float = DEFAULT_SLOW


@dataclass
class FaultSpec:
    """Parsed fault configuration. ``random`` holds (rule, rate); ``at`` maps request n -> rule."""

    random: list[tuple[FaultRule, float]] = field(default_factory=list)
    at: dict[int, FaultRule] = field(default_factory=dict)
    seed: int = 0
    scope: str = "api"
    retry: int = 1

    def __bool__(self) -> bool:
        return bool(self.random or self.at)

    def describe(self) -> str:
        parts = []
        for rule, rate in self.random:
            parts.append(f"{rule.kind}:{rate:g}{_param_str(rule)}")
        for n, rule in sorted(self.at.items()):
            parts.append(f"at:{n}={rule.kind}{_param_str(rule)}")
        parts += [f"seed:{self.seed}", f"scope:{self.scope}", f"retry:{self.retry}"]
        return ",".join(parts)


def _param_str(rule: FaultRule) -> str:
    if rule.kind == "slow":
        return f"@{rule.seconds:g}s"
    if rule.burst > 1:
        return f"@{rule.burst}x"
    return ""


def _rule(kind: str, param: str | None) -> FaultRule:
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise ValueError(f"unknown fault kind {kind!r} (expected one of {', '.join(KINDS)})")
    rule = FaultRule(kind)
    if param:
        p = param.strip().lower()
        if kind == "slow":
            if p.endswith("ms"):
                rule.seconds = float(p[:-2]) / 1000.0
            else:
                rule.seconds = float(p.rstrip("s"))
        else:
            rule.burst = max(1, int(p.rstrip("x")))
    return rule


def _split_param(v: str) -> tuple[str, str | None]:
    if "@" in v:
        a, b = v.split("@", 1)
        return a, b
    return v, None


def _add_at(spec: FaultSpec, rng_txt: str, rule: FaultRule) -> None:
    rng_txt = str(rng_txt).strip()
    if "-" in rng_txt:
        a, b = rng_txt.split("-", 1)
        lo, hi = int(a), int(b)
    else:
        lo = hi = int(rng_txt)
    if lo < 1 or hi < lo:
        raise ValueError(f"bad request range {rng_txt!r}")
    for n in range(lo, hi + 1):
        spec.at[n] = FaultRule(rule.kind, rule.burst, rule.seconds)


def parse_faults(spec: Any) -> FaultSpec:
    """Parse a fault spec (None, str, dict or FaultSpec) into a :class:`FaultSpec`."""
    if spec is None or spec == "" or spec == {}:
        return FaultSpec()
    if isinstance(spec, FaultSpec):
        return spec
    out = FaultSpec()
    if isinstance(spec, str):
        for item in spec.replace(";", ",").split(","):
            item = item.strip()
            if not item:
                continue
            if ":" not in item:
                raise ValueError(f"bad fault item {item!r}")
            key, val = item.split(":", 1)
            key = key.strip().lower()
            if key == "at":
                if "=" not in val:
                    raise ValueError(f"bad at-rule {item!r} (expected at:<n>=<kind>)")
                n, what = val.split("=", 1)
                kind, param = _split_param(what)
                _add_at(out, n, _rule(kind, param))
            elif key == "seed":
                out.seed = int(val)
            elif key == "scope":
                out.scope = val.strip().lower()
            elif key in ("retry", "retry_after"):
                out.retry = max(0, int(float(val)))
            else:
                rate, param = _split_param(val)
                out.random.append((_rule(key, param), _rate(rate)))
    elif isinstance(spec, dict):
        for key, val in spec.items():
            key = str(key).strip().lower()
            if key == "at":
                items = val.items() if isinstance(val, dict) else val
                for n, what in items:
                    kind, param = _split_param(str(what))
                    _add_at(out, n, _rule(kind, param))
            elif key == "seed":
                out.seed = int(val)
            elif key == "scope":
                out.scope = str(val).lower()
            elif key in ("retry", "retry_after"):
                out.retry = max(0, int(float(val)))
            elif isinstance(val, dict):
                rule = _rule(key, None)
                if "seconds" in val:
                    rule.seconds = float(val["seconds"])
                if "burst" in val:
                    rule.burst = max(1, int(val["burst"]))
                out.random.append((rule, _rate(val.get("rate", 0))))
            elif isinstance(val, str):
                rate, param = _split_param(val)
                out.random.append((_rule(key, param), _rate(rate)))
            else:
                out.random.append((_rule(key, None), _rate(val)))
    else:
        raise TypeError(f"unsupported fault spec type {type(spec).__name__}")
    if out.scope not in SCOPES:
        raise ValueError(f"bad scope {out.scope!r} (expected one of {', '.join(SCOPES)})")
    return out


def _rate(v: Any) -> float:
    r = float(v)
    if not 0.0 <= r <= 1.0:
        raise ValueError(f"fault rate {v!r} outside 0..1")
    return r


class FaultInjector:
    """Decides, per eligible request and in arrival order, which fault (if any) to inject."""

    def __init__(self, spec: Any = None):
        self.lock = threading.Lock()
        self.configure(spec)

    def configure(self, spec: Any) -> None:
        with self.lock:
            self.spec = parse_faults(spec)
            self.rng = random.Random(self.spec.seed)
            self.count = 0
            self.pending: FaultRule | None = None
            self.pending_left = 0

    def eligible(self, kind: str) -> bool:
        scope = self.spec.scope
        if kind in ("replay", "agent_harnesses"):
            return False
        if scope == "listing":
            return kind == "listing"
        if scope == "api":
            return kind not in ("resolve",)
        return True

    def decide(self, kind: str) -> tuple[int, FaultRule | None]:
        """Count the request if eligible; return (request number or 0, fault rule or None)."""
        if not self.eligible(kind):
            return 0, None
        with self.lock:
            self.count += 1
            n = self.count
            spec = self.spec
            if not spec:
                return n, None
            rule = spec.at.get(n)
            if rule is not None:
                if rule.burst > 1:
                    self.pending = rule
                    self.pending_left = rule.burst - 1
            elif self.pending_left > 0:
                rule = self.pending
                self.pending_left -= 1
            if rule is None:
                for r, rate in spec.random:
                    if rate > 0 and self.rng.random() < rate:
                        rule = r
                        if r.burst > 1:
                            self.pending = r
                            self.pending_left = r.burst - 1
                        break
            if rule is not None and rule.kind == "5xx":
                rule = FaultRule(self.rng.choice(("500", "502", "503", "504")), rule.burst, rule.seconds)
            return n, rule
