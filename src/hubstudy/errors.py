"""Exceptions raised by hubstudy.

    HubstudyError
    ├── ConfigError            bad flag, path or environment value
    ├── HubError               talking to the Hub failed
    │   ├── HubHTTPError       an answer with an error status that retries did not cure
    │   ├── HubNetworkError    timeouts and dropped connections that retries did not cure
    │   └── HubResponseError   an answer that is not what the API promises (bad JSON, wrong shape)
    ├── LockError              another nightly is already running on this data directory
    └── QualityGateError       the build refused to publish (see quality_checks)
"""

from __future__ import annotations


class HubstudyError(Exception):
    """Base class of every error hubstudy raises on purpose."""


class ConfigError(HubstudyError):
    pass


class HubError(HubstudyError):
    pass


class HubHTTPError(HubError):
    def __init__(self, message: str, status: int, url: str):
        super().__init__(message)
        self.status = status
        self.url = url


class HubNetworkError(HubError):
    pass


class HubResponseError(HubError):
    pass


class LockError(HubstudyError):
    pass


class QualityGateError(HubstudyError):
    pass
