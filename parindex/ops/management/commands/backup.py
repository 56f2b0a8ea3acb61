"""Back up the whole database (DATABASE_URL) into one file: `pg_dump --format=custom`, which `manage.py restore`
reads back. PostgreSQL only; the quick start's SQLite database is a file to copy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from parindex.ops.postgres import Target, check_tool_version, tool

STDOUT = "-"


class Command(BaseCommand):
    help = _(
        "Sao lưu toàn bộ cơ sở dữ liệu PostgreSQL (DATABASE_URL) vào một tệp (pg_dump, định dạng custom). "
        "Back up the whole PostgreSQL database (DATABASE_URL) into one file (pg_dump, custom format); "
        "'-' writes it to standard output."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", help=_("Tệp sao lưu cần tạo (không ghi đè tệp đã có), hoặc - để ghi ra stdout.")
        )

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        target = Target.default()
        pg_dump = tool("pg_dump")
        check_tool_version(pg_dump, "pg_dump")
        command = [pg_dump, "--format=custom", "--no-password", f"--dbname={target.name}"]
        if file == STDOUT:
            # The archive goes to stdout as it is written; messages go to stderr, out of its way.
            done = subprocess.run(  # noqa: S603 (pg_dump found on PATH, fixed arguments)
                command,
                env=target.environment(),
                stdout=sys.stdout.buffer,
                stderr=subprocess.PIPE,
                check=False,
            )
            self._check(done, target)
            self.stderr.write(_("Đã sao lưu %(database)s ra stdout.") % {"database": target.describe()})
            return

        path = Path(file)
        if path.exists():
            raise CommandError(
                _("Tệp %(path)s đã có: chọn một tên khác (lệnh không ghi đè).") % {"path": path}
            )
        if not path.parent.is_dir():
            raise CommandError(_("Không có thư mục %(folder)s.") % {"folder": path.parent})
        # Written beside the target and renamed at the end: a dump that fails leaves no file that looks like a
        # backup.
        partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
        try:
            done = subprocess.run(  # noqa: S603 (pg_dump found on PATH, fixed arguments)
                [*command, f"--file={partial}"], env=target.environment(), capture_output=True, check=False
            )
            self._check(done, target)
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
        size = path.stat().st_size
        self.stdout.write(
            self.style.SUCCESS(
                _("Đã sao lưu %(database)s vào %(path)s (%(size)s byte).")
                % {"database": target.describe(), "path": path, "size": f"{size:,}"}
            )
        )

    def _check(self, done: subprocess.CompletedProcess[bytes], target: Target) -> None:
        if done.returncode != 0:
            error = done.stderr.decode("utf-8", "replace").strip()
            raise CommandError(
                _("pg_dump không sao lưu được %(database)s: %(error)s")
                % {"database": target.describe(), "error": error}
            )
