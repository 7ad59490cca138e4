"""Small helpers shared by the replay world generator and server (time, ids, names)."""

from __future__ import annotations

import calendar
import datetime as _dt
import hashlib
import time
from array import array

# The Hub began storing creation dates on this instant; older repos all carry it.
FLOOR_ISO = "2022-03-02T23:29:04.000Z"
FLOOR_EPOCH = calendar.timegm((2022, 3, 2, 23, 29, 4, 0, 0, 0))
# ObjectId timestamp of the migrated (pre-floor) repos: 2022-03-02T23:29:05Z.
FLOOR_OID_TS = 0x621FFDC1

START_EPOCH = calendar.timegm((2021, 1, 1, 0, 0, 0, 0, 0, 0))
DEFAULT_NOW_ISO = "2026-09-01T00:00:00.000Z"

REPO_TYPES = ("model", "dataset", "space")
TYPE_CODE = {"model": 0x4D, "dataset": 0x44, "space": 0x53}


def iso(t: float) -> str:
    """Epoch seconds -> Hub timestamp string (millisecond precision, Z)."""
    ms = int(round(t * 1000))
    s, ms = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".%03dZ" % ms


def parse_iso(s: str) -> float:
    """Hub timestamp string -> epoch seconds (accepts with or without millis / Z)."""
    try:
        d = _dt.datetime.fromisoformat(s)
        if d.tzinfo is None:
            d = d.replace(tzinfo=_dt.timezone.utc)
        return d.timestamp()
    except ValueError:
        pass
    s = s.strip()
    if s.endswith("Z"):
        s = s[:-1]
    frac = 0.0
    if "." in s:
        s, f = s.split(".", 1)
        frac = float("0." + (f or "0"))
    if "T" not in s:
        s = s + "T00:00:00"
    tm = time.strptime(s, "%Y-%m-%dT%H:%M:%S")
    return calendar.timegm(tm) + frac


def iso_ms(s: str | None) -> int | None:
    """Hub timestamp string -> integer epoch milliseconds (for sorting)."""
    if not s or not isinstance(s, str):
        return None
    try:
        return int(round(parse_iso(s) * 1000))
    except ValueError:
        return None


def digest_hex(*parts: object, n: int = 40) -> str:
    """Deterministic hex string from the given parts (sha1-based, up to 40 chars)."""
    h = hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()
    if n <= 40:
        return h[:n]
    return (h + hashlib.sha1(h.encode()).hexdigest())[:n]


def object_id(created_epoch: float, floored: bool, kind: str, index: int, seed: int) -> str:
    """24-hex Mongo-style ObjectId: 4 bytes time, 1 byte repo kind, 4 bytes noise, 3 bytes counter.

    Unique per repo type as long as ``index`` < 2**24 (the counter carries it).
    """
    ts = FLOOR_OID_TS if floored else int(created_epoch)
    noise = digest_hex("oid", seed, kind, index >> 24, n=8)
    return "%08x%02x%s%06x" % (ts & 0xFFFFFFFF, TYPE_CODE[kind], noise, index & 0xFFFFFF)


class StrTable:
    """Append-only table of strings stored in one bytearray (compact for millions of ids)."""

    __slots__ = ("buf", "off")

    def __init__(self) -> None:
        self.buf = bytearray()
        self.off = array("Q", [0])

    def append(self, s: str) -> int:
        self.buf += s.encode()
        self.off.append(len(self.buf))
        return len(self.off) - 2

    def __getitem__(self, i: int) -> str:
        return self.buf[self.off[i] : self.off[i + 1]].decode()

    def __len__(self) -> int:
        return len(self.off) - 1


# --- synthetic user / organisation names -------------------------------------------------
# Generated names are built from consonant-vowel syllables (bijective numbering, so distinct
# indices give distinct names, also case-insensitively) plus a decoration that cannot be
# confused with a syllable core. The fixed, well-known organisation names used by the
# generator are never of that shape (a test checks it).
_CONS = "bdfghklmnprstvz"
_VOW = "aeiou"
_SYL = [c + v for c in _CONS for v in _VOW]
_NS = len(_SYL)
_DECOS = ("", "", "", "", "cap", "cap", "digits", "-ai", "-lab", "Labs", "AI", "-hf")


def gen_name(index: int, seed: int = 0) -> str:
    """Deterministic synthetic user/org name for ``index`` (>= 0); distinct for distinct indices."""
    n = index + _NS + 1  # at least two syllables
    parts = []
    while n > 0:
        n -= 1
        parts.append(_SYL[n % _NS])
        n //= _NS
    core = "".join(reversed(parts))
    h = int(digest_hex("name", seed, index, n=6), 16)
    deco = _DECOS[h % len(_DECOS)]
    if deco == "":
        return core
    if deco == "cap":
        return core.capitalize()
    if deco == "digits":
        return core + str(h % 97 + 1)
    if deco in ("Labs", "AI"):
        return core.capitalize() + deco
    return core + deco


def is_generated_shape(name: str) -> bool:
    """True when ``name`` could be produced by :func:`gen_name` (used to vet fixed names)."""
    low = name.lower()
    for suf in ("-ai", "-lab", "-hf", "labs", "ai"):
        if low.endswith(suf) and _is_core(low[: -len(suf)]):
            return True
    stripped = low.rstrip("0123456789")
    return _is_core(stripped)


def _is_core(s: str) -> bool:
    if len(s) < 4 or len(s) % 2:
        return False
    return all(s[i] in _CONS and s[i + 1] in _VOW for i in range(0, len(s), 2))


class FingerprintSet:
    """Open-addressing set of 64-bit fingerprints in one ``array('Q')`` (16 bytes per entry).

    Used to tell whether a name was already taken without keeping the names. A fingerprint
    collision only reports a false "taken" (callers then add a counter suffix), never a false
    "free", so uniqueness is preserved. Deterministic (blake2b), unlike ``hash()``.
    """

    __slots__ = ("table", "mask", "n")

    def __init__(self, expected: int) -> None:
        cap = 1024
        while cap < expected * 2:
            cap *= 2
        self.table = array("Q", bytes(8 * cap))
        self.mask = cap - 1
        self.n = 0

    @staticmethod
    def fp(s: str) -> int:
        return int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "little") or 1

    def add(self, s: str) -> bool:
        """Insert; return False when it was (probably) present already."""
        if self.n * 2 >= len(self.table):
            self._grow()
        f = self.fp(s)
        t = self.table
        i = f & self.mask
        while True:
            v = t[i]
            if v == 0:
                t[i] = f
                self.n += 1
                return True
            if v == f:
                return False
            i = (i + 1) & self.mask

    def _grow(self) -> None:
        old = self.table
        self.table = array("Q", bytes(16 * len(old)))
        self.mask = len(self.table) - 1
        for f in old:
            if f:
                i = f & self.mask
                while self.table[i]:
                    i = (i + 1) & self.mask
                self.table[i] = f
