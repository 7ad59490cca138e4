"""Local Hub replay: a synthetic Hugging Face Hub world and an HTTP server that speaks the Hub API.

* :func:`generate` writes a world directory (see :mod:`hubstudy.replay.world`).
* :func:`mutate` advances a world by one day (changed, new and drifting models).
* :class:`ReplayServer` serves a world over HTTP on 127.0.0.1 (see :mod:`hubstudy.replay.server`).
* :func:`parse_faults` parses a fault-injection spec (see :mod:`hubstudy.replay.faults`).
"""

from .faults import FaultSpec, parse_faults
from .server import ReplayServer, serve
from .world import generate, load_manifest, mutate

__all__ = ["generate", "mutate", "load_manifest", "ReplayServer", "serve", "parse_faults", "FaultSpec"]
