"""Restore a file of `manage.py backup` into the database of DATABASE_URL: pg_restore --clean --if-exists
--no-owner in a single transaction, so that a restore that fails half way changes nothing.

Guarded twice: nothing happens without --yes, and a database that already has tables (one `migrate` made, or
the live one) is replaced only with --force as well. The file is checked (a pg_dump archive whose table of
contents reads) before the database is touched.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils.translation import gettext as _

from parindex.ops.postgres import Target, check_archive, check_tool_version, public_tables, tool


class Command(BaseCommand):
    help = _(
        "Khôi phục một tệp của lệnh backup vào cơ sở dữ liệu DATABASE_URL, trong một giao dịch. "
        "Restore a file made by `backup` into the DATABASE_URL database, in one transaction: "
        "--yes to confirm, and --force as well to replace a database that has tables."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_("Tệp sao lưu (do lệnh backup tạo)."))
        parser.add_argument("--yes", action="store_true", help=_("Xác nhận khôi phục (bắt buộc)."))
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("Thay thế cả một cơ sở dữ liệu đã có bảng (dữ liệu hiện có bị xoá)."),
        )

    def handle(self, *args: Any, file: str, yes: bool, force: bool, **options: Any) -> None:
        target = Target.default()
        pg_restore = tool("pg_restore")
        path = Path(file)
        entries = check_archive(path, pg_restore)
        check_tool_version(pg_restore, "pg_restore")
        if not yes:
            raise CommandError(
                _(
                    "Khôi phục sẽ ghi đè cơ sở dữ liệu %(database)s bằng nội dung của %(path)s. Chạy lại với "
                    "--yes để xác nhận."
                )
                % {"database": target.describe(), "path": path}
            )
        tables = public_tables()
        if tables and not force:
            raise CommandError(
                _(
                    "Cơ sở dữ liệu %(database)s không trống (%(count)s bảng). Khôi phục sẽ xoá dữ liệu hiện có: "
                    "dừng web, worker và beat, rồi chạy lại với --yes --force."
                )
                % {"database": target.describe(), "count": len(tables)}
            )
        # Nothing of ours stays open on the database while pg_restore drops and creates its tables.
        connections["default"].close()
        done = subprocess.run(  # noqa: S603 (pg_restore found on PATH, fixed arguments)
            [
                pg_restore,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--no-password",
                f"--dbname={target.name}",
                str(path),
            ],
            env=target.environment(),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise CommandError(
                _(
                    "pg_restore không khôi phục được %(path)s vào %(database)s: %(error)s. Giao dịch đã bị huỷ: "
                    "cơ sở dữ liệu không thay đổi."
                )
                % {"path": path, "database": target.describe(), "error": done.stderr.strip()}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("Đã khôi phục %(path)s vào %(database)s (%(entries)s mục).")
                % {"path": path, "database": target.describe(), "entries": entries}
            )
        )
