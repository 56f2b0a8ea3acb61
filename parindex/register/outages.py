"""When the database cannot do what was asked: the one rule (which errors are an outage) and what the user is
told. Used by the 503 page (parindex.errors), the session store (parindex.sessions) and the spreadsheet import
(parindex.transfer), so that every path says the same thing for the same fault.

A database that cannot answer (PostgreSQL restarting or stopped, a connection cut by an administrator, a
read-only database during a write) is not a bug of the app: nothing was saved, and trying again later can succeed.
"""

from __future__ import annotations

import enum
import sqlite3
from collections.abc import Iterator

import psycopg
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.exceptions import SessionInterrupted
from django.db import Error as DjangoDatabaseError
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _


class Outage(enum.Enum):
    """Why the database did not do what a request asked."""

    UNAVAILABLE = "unavailable"  # no connection, or the server went away or is shutting down or starting up
    READ_ONLY = (
        "read-only"  # a write refused by a read-only database (a standby, default_transaction_read_only)
    )


READ_ONLY_SQLSTATE = "25006"  # read_only_sql_transaction
# SQLSTATEs of a server that is not there to answer: connection exceptions (class 08), admin, crash and
# starting-up or shutting-down states (57P01-57P03), too many connections. Others of OperationalError, such as a
# statement timeout (57014), a deadlock (40P01) or a lock not available (55P03), are the app's to fix: a 500.
UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error and what caused it: Django raises its own database errors `from` the driver's (__cause__); the
    session middleware turns a failed save into UpdateError, then SessionInterrupted, while handling it
    (__context__)."""
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        wrapped = isinstance(link, UpdateError | SessionInterrupted)
        link = link.__cause__ or (link.__context__ if wrapped else None)


def database_outage(error: BaseException) -> Outage | None:
    """The outage `error` reports, or None when it is an error like any other (a bug, a bad query)."""
    failures = [link for link in _chain(error) if isinstance(link, DjangoDatabaseError | psycopg.Error)]
    if not failures:
        return None
    for failure in failures:
        if getattr(failure, "sqlstate", None) == READ_ONLY_SQLSTATE or "read-only transaction" in str(
            failure
        ):
            return Outage.READ_ONLY
    if not isinstance(
        failures[0], OperationalError | InterfaceError | psycopg.OperationalError | psycopg.InterfaceError
    ):
        return None
    for failure in failures:
        if isinstance(failure.__cause__, sqlite3.Error):
            # The quick start: only a locked database file is an outage ("no such table" is a missing migrate).
            return Outage.UNAVAILABLE if "database is locked" in str(failure) else None
        sqlstate = getattr(failure, "sqlstate", None)
        if sqlstate is not None:
            return Outage.UNAVAILABLE if sqlstate[:2] == "08" or sqlstate in UNAVAILABLE_SQLSTATES else None
    # Without a SQLSTATE: a connection refused, closed by the server or already closed (the driver says so).
    return Outage.UNAVAILABLE


def not_saved_message() -> str:
    """A write the database refused: nothing of it was saved."""
    return _(
        "Cơ sở dữ liệu tạm thời không sẵn sàng. Dữ liệu của bạn chưa được lưu; vui lòng thử lại sau ít phút."
    )


def maybe_saved_message() -> str:
    """A write whose request failed after the view had run (a session saved at the end): it may be saved."""
    return _(
        "Cơ sở dữ liệu tạm thời không sẵn sàng. Yêu cầu của bạn có thể đã được lưu; hãy tải lại trang để kiểm tra "
        "trước khi gửi lại."
    )


def reload_message() -> str:
    """A page the database could not read."""
    return _("Cơ sở dữ liệu tạm thời không sẵn sàng. Vui lòng tải lại trang sau ít phút.")
