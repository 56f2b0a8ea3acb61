"""PostgreSQL's client tools (pg_dump, pg_restore) run on the database of settings.DATABASES["default"].

The connection goes to the tools in libpq's environment variables (PGHOST, PGPORT, PGUSER, PGPASSWORD,
PGDATABASE and the SSL options), never on the command line, where any user of the machine could read the
password in the process list. Messages name the database and its host, never the password.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.db import connections
from django.utils.translation import gettext as _

# The first bytes of a pg_dump archive in the custom format (-Fc).
ARCHIVE_MAGIC = b"PGDMP"
# libpq's variables for the connection options dj-database-url may put in OPTIONS.
_OPTION_VARIABLES = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


@dataclass(frozen=True)
class Target:
    """The database the tools work on, from Django's settings (and so from DATABASE_URL)."""

    name: str
    host: str
    port: str
    user: str
    password: str
    options: Mapping[str, Any]

    @classmethod
    def default(cls) -> Target:
        database = connections["default"].settings_dict
        if database["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError(
                _(
                    "Sao lưu và khôi phục chỉ dành cho PostgreSQL (DATABASE_URL=postgres://…). Cơ sở dữ liệu "
                    "hiện tại là %(engine)s: với SQLite của bản chạy thử, chỉ cần sao chép tệp %(name)s."
                )
                % {"engine": database["ENGINE"].rsplit(".", 1)[-1], "name": database["NAME"]}
            )
        return cls(
            name=str(database["NAME"]),
            host=str(database.get("HOST") or ""),
            port=str(database.get("PORT") or ""),
            user=str(database.get("USER") or ""),
            password=str(database.get("PASSWORD") or ""),
            options=database.get("OPTIONS") or {},
        )

    def describe(self) -> str:
        """ "name on host:port" for messages: no user name, no password."""
        where = self.host or "localhost"
        return f"{self.name} @ {where}:{self.port}" if self.port else f"{self.name} @ {where}"

    def environment(self) -> dict[str, str]:
        """The current environment plus libpq's connection variables (the password included: never printed)."""
        environ = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        values = {
            "PGDATABASE": self.name,
            "PGHOST": self.host,
            "PGPORT": self.port,
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
        }
        for option, variable in _OPTION_VARIABLES.items():
            if option in self.options:
                values[variable] = str(self.options[option])
        environ.update({key: value for key, value in values.items() if value})
        return environ


def tool(name: str) -> str:
    """The path of pg_dump or pg_restore on PATH, or a message saying how to install it."""
    found = shutil.which(name)
    if found is None:
        raise CommandError(
            _(
                "Không tìm thấy %(tool)s trên PATH. Cài gói postgresql-client cùng phiên bản chính với máy chủ "
                "PostgreSQL (Debian: apt-get install postgresql-client)."
            )
            % {"tool": name}
        )
    return found


def tool_major_version(path: str) -> int:
    """15 for "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"."""
    done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30, check=False)  # noqa: S603
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", done.stdout)
    if done.returncode != 0 or match is None:
        raise CommandError(_("Không đọc được phiên bản của %(tool)s.") % {"tool": path})
    return int(match.group(1))


def server_major_version() -> int:
    """The major version of the server DATABASE_URL names (Django's connection: 150020 -> 15)."""
    connection = connections["default"]
    connection.ensure_connection()
    return int(connection.pg_version) // 10000  # type: ignore[attr-defined]


def check_tool_version(path: str, name: str) -> None:
    """pg_dump refuses a server newer than itself, and an archive of a newer pg_dump is unreadable by an older
    pg_restore: say so before starting, in the operator's words."""
    client, server = tool_major_version(path), server_major_version()
    if client < server:
        raise CommandError(
            _(
                "%(tool)s phiên bản %(client)s cũ hơn máy chủ PostgreSQL %(server)s: cài postgresql-client "
                "%(server)s (hoặc mới hơn)."
            )
            % {"tool": name, "client": client, "server": server}
        )


def public_tables() -> list[str]:
    """The tables of the database's public schema: none means an empty database."""
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        return [name for (name,) in cursor.fetchall()]


def check_archive(path: Path, pg_restore: str) -> int:
    """A readable pg_dump archive in the custom format, checked before the database is touched. Returns the
    number of entries in its table of contents."""
    if not path.is_file():
        raise CommandError(_("Không có tệp sao lưu %(path)s.") % {"path": path})
    with path.open("rb") as archive:
        head = archive.read(len(ARCHIVE_MAGIC))
    if head != ARCHIVE_MAGIC:
        raise CommandError(
            _(
                "Tệp %(path)s không phải là bản sao lưu của pg_dump (định dạng custom, -Fc) như lệnh backup "
                "tạo ra. Cơ sở dữ liệu không bị thay đổi."
            )
            % {"path": path}
        )
    listed = subprocess.run(  # noqa: S603 (pg_restore found on PATH, fixed arguments)
        [pg_restore, "--list", str(path)], capture_output=True, text=True, timeout=300, check=False
    )
    if listed.returncode != 0:
        raise CommandError(
            _("Không đọc được tệp sao lưu %(path)s: %(error)s. Cơ sở dữ liệu không bị thay đổi.")
            % {"path": path, "error": listed.stderr.strip()}
        )
    return sum(1 for line in listed.stdout.splitlines() if line and not line.startswith(";"))
