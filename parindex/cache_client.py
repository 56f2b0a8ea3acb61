"""A django-redis client that stops asking a Redis that does not answer, for a few seconds.

Each cache call has one-second socket timeouts (settings.CACHES), but a public page makes several: with Redis
frozen (SIGSTOP, a full network buffer) rather than down, a page took ten seconds. After a call fails, every call
of this process fails at once for `PAUSE` seconds (IGNORE_EXCEPTIONS turns that into a cache miss), so a frozen
Redis costs a page at most about one second, once per pause."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

from django_redis.client import DefaultClient
from django_redis.exceptions import ConnectionInterrupted

logger = logging.getLogger(__name__)

PAUSE = 5.0  # seconds without asking Redis after a failed call
_WRAPPED = (
    "set",
    "add",
    "get",
    "get_many",
    "set_many",
    "delete",
    "delete_many",
    "delete_pattern",
    "incr",
    "decr",
    "has_key",
    "touch",
    "ttl",
    "expire",
    "persist",
    "clear",
    "incr_version",
)


class _Paused(Exception):
    def __str__(self) -> str:
        return "Redis did not answer a moment ago; not asked again yet"


def _guarded(name: str) -> Callable[..., Any]:
    method = getattr(DefaultClient, name)

    @functools.wraps(method)
    def call(self: PausingClient, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() < self.paused_until:
            raise ConnectionInterrupted(connection=None) from _Paused()
        try:
            return method(self, *args, **kwargs)
        except ConnectionInterrupted:
            self.paused_until = time.monotonic() + PAUSE
            logger.warning("cache: Redis did not answer; not asked for %.0f s", PAUSE)
            raise

    return call


class PausingClient(DefaultClient):  # type: ignore[misc]  # django-redis ships no type hints here
    paused_until: float = 0.0


for _name in _WRAPPED:
    setattr(PausingClient, _name, _guarded(_name))
