"""Real database faults for the tests, on the test database only (never the server itself, which other suites
share): Django's connections pointed at a port where nothing listens (PostgreSQL stopped: "connection refused"),
or the test database made read-only (a standby, a maintenance window). Both need a transactional test: the
connection is closed and opened again, which a test's wrapping transaction would not survive."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, connections


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (just released by the system)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _close_all() -> None:
    for conn in connections.all(initialized_only=True):
        conn.close()


@contextmanager
def database_down() -> Iterator[None]:
    """Every new connection of this process (any thread) is refused, as with PostgreSQL stopped. The settings
    dict is shared by the threads' connections, so changing it reaches them all; it is put back at the end."""
    assert not connection.in_atomic_block, "use a transactional test (django_db(transaction=True))"
    settings_dict: dict[str, Any] = connection.settings_dict
    saved = (settings_dict["HOST"], settings_dict["PORT"])
    _close_all()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", str(free_port())
    try:
        yield
    finally:
        _close_all()
        settings_dict["HOST"], settings_dict["PORT"] = saved


@contextmanager
def database_read_only() -> Iterator[None]:
    """The test database refuses every write (ALTER DATABASE … SET default_transaction_read_only: each new
    session starts read-only); reads go on. Put back at the end, from a session switched back to read-write."""
    assert not connection.in_atomic_block, "use a transactional test (django_db(transaction=True))"
    name = connection.ops.quote_name(connection.settings_dict["NAME"])
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER DATABASE {name} SET default_transaction_read_only = on")
    _close_all()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW default_transaction_read_only")
            assert cursor.fetchone() == ("on",), "the test database did not become read-only"
        yield
    finally:
        _close_all()
        with connection.cursor() as cursor:
            cursor.execute("SET default_transaction_read_only = off")
            cursor.execute(f"ALTER DATABASE {name} RESET default_transaction_read_only")
        _close_all()
