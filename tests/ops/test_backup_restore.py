"""`manage.py backup` and `manage.py restore` on real PostgreSQL databases of their own.

A throwaway source database beside DATABASE_URL's is migrated and loaded with the fixtures and the demo data
(`load_par_data`, recomputed), backed up, and restored into another throwaway database, empty; then every row of
every table of the public schema, every sequence and the schema's tables, indexes, constraints and triggers are
compared. The commands run as subprocesses with DATABASE_URL pointed at those databases (Django's connection in
this process stays on the test database, which these tests never use: they request no `db` fixture). Every
database made here is dropped at the end.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]

Snapshot = dict[str, Any]


def _base_url() -> str:
    url = os.environ["DATABASE_URL"]
    if urlsplit(url).scheme not in {"postgres", "postgresql"}:
        pytest.skip("backup and restore need PostgreSQL")
    return url


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@pytest.fixture(scope="module")
def new_database() -> Iterator[Callable[[str], str]]:
    """Makes empty databases named <test database>_<purpose>_<random> on the test server; drops them all."""
    base = _base_url()
    prefix = urlsplit(base).path.lstrip("/")
    maintenance = _with_database(base, "postgres")
    made: list[str] = []

    def make(purpose: str) -> str:
        name = f"{prefix}_{purpose}_{secrets.token_hex(4)}"
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        made.append(name)
        return _with_database(base, name)

    try:
        yield make
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            for name in made:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def manage(url: str, *args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    """manage.py in a new process on the database `url` (tasks inline: no Redis); PATH may be replaced."""
    environ = {**os.environ, "DATABASE_URL": url}
    environ.pop("REDIS_URL", None)
    if path is not None:
        environ["PATH"] = path
    return subprocess.run(  # noqa: S603 (our own interpreter and manage.py, fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def manage_ok(url: str, *args: str) -> str:
    done = manage(url, *args)
    if done.returncode != 0:
        pytest.fail(f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


@pytest.fixture(scope="module")
def source(new_database: Callable[[str], str]) -> str:
    """A database as production has it: migrated, the fixtures and demo data loaded, results computed."""
    url = new_database("backup_source")
    manage_ok(url, "migrate", "--noinput", "-v", "0")
    manage_ok(url, "load_par_data")
    return url


@pytest.fixture(scope="module")
def backup_file(source: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("backup") / "parindex.dump"
    manage_ok(source, "backup", str(path))
    return path


def snapshot(url: str) -> Snapshot:
    """Every row of every table of the public schema (by primary key), every sequence's position, and the names
    of the tables, indexes, constraints and triggers."""
    with psycopg.connect(url) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            ).fetchall()
        ]
        rows: dict[str, list[tuple[Any, ...]]] = {}
        for table in tables:
            key = [
                column
                for (column,) in conn.execute(
                    """SELECT a.attname FROM pg_index i
                       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                       WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY a.attnum""",
                    [f'public."{table}"'],
                ).fetchall()
            ]
            query = sql.SQL("SELECT * FROM {}").format(sql.Identifier("public", table))
            if key:
                query += sql.SQL(" ORDER BY {}").format(sql.SQL(", ").join(map(sql.Identifier, key)))
                rows[table] = conn.execute(query).fetchall()
            else:  # no primary key: the same rows in any order
                rows[table] = sorted(conn.execute(query).fetchall(), key=repr)
        return {
            "rows": rows,
            "sequences": conn.execute(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
            ).fetchall(),
            "indexes": conn.execute(
                "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2"
            ).fetchall(),
            "constraints": conn.execute(
                """SELECT c.conrelid::regclass::text, c.conname, c.contype FROM pg_constraint c
                   JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public' ORDER BY 1, 2"""
            ).fetchall(),
            "triggers": conn.execute(
                "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2"
            ).fetchall(),
        }


def assert_same(expected: Snapshot, actual: Snapshot) -> None:
    assert list(actual["rows"]) == list(expected["rows"]), "not the same tables"
    for table, rows in expected["rows"].items():
        got = actual["rows"][table]
        assert len(got) == len(rows), f"{table}: {len(rows)} rows expected, {len(got)} found"
        for number, (want, have) in enumerate(zip(rows, got, strict=True)):
            assert have == want, f"{table}, row {number}: expected {want}, found {have}"
    for part in ("sequences", "indexes", "constraints", "triggers"):
        assert actual[part] == expected[part], part


def test_a_restored_backup_has_every_row_sequence_and_schema_object(
    source: str, backup_file: Path, new_database: Callable[[str], str]
) -> None:
    expected = snapshot(source)
    # Not empty compared with empty: the fixtures, the demo data and their results are there.
    for table in (
        "parindex_unit",
        "parindex_edition",
        "parindex_score",
        "scoring_yearresult",
        "auth_permission",
    ):
        assert len(expected["rows"][table]) > 0, table
    assert expected["triggers"], "the register's PostgreSQL triggers"

    target = new_database("restore")
    out = manage_ok(target, "restore", str(backup_file), "--yes")

    assert "Đã khôi phục" in out
    assert_same(expected, snapshot(target))
    # The restored database works as one: Django sees every migration applied.
    assert "[ ]" not in manage_ok(target, "showmigrations")


def test_backup_can_write_to_standard_output(source: str, tmp_path: Path) -> None:
    """`docker compose exec -T web python manage.py backup - > parindex.dump` (docs/operations.md)."""
    done = subprocess.run(
        [sys.executable, "manage.py", "backup", "-"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": source},
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"PGDMP")
    assert "Đã sao lưu" in done.stderr.decode()


def test_backup_never_overwrites_a_file(source: str, backup_file: Path) -> None:
    before = backup_file.read_bytes()
    done = manage(source, "backup", str(backup_file))
    assert done.returncode != 0
    assert "đã có" in done.stderr
    assert backup_file.read_bytes() == before


def test_backup_never_puts_the_password_on_the_command_line(source: str, tmp_path: Path) -> None:
    """The password reaches pg_dump in PGPASSWORD: a fake pg_dump first on PATH records its arguments."""
    fake = tmp_path / "bin"
    fake.mkdir()
    record = tmp_path / "arguments"
    (fake / "pg_dump").write_text(
        f'#!/bin/sh\nif [ "$1" = --version ]; then exec {_real("pg_dump")} --version; fi\n'
        f'echo "$@" > {record}\necho "$PGPASSWORD" >> {record}\nexit 3\n'
    )
    (fake / "pg_dump").chmod(0o755)
    done = manage(source, "backup", str(tmp_path / "x.dump"), path=f"{fake}:{os.environ['PATH']}")
    assert done.returncode != 0
    arguments, password = record.read_text().splitlines()
    password_in_url = urlsplit(source).password
    assert password_in_url and password == password_in_url
    assert password_in_url not in arguments
    assert password_in_url not in done.stdout + done.stderr
    assert not (tmp_path / "x.dump").exists()  # a failed dump leaves no file that looks like a backup


def _real(tool: str) -> str:
    found = shutil.which(tool)
    assert found, f"{tool} is not installed (scripts/services.sh installs postgresql-client)"
    return found


def test_backup_and_restore_say_when_the_postgresql_tools_are_missing(source: str, tmp_path: Path) -> None:
    for command in (["backup", str(tmp_path / "x.dump")], ["restore", str(tmp_path / "x.dump"), "--yes"]):
        done = manage(source, *command, path=str(tmp_path))  # a PATH with neither pg_dump nor pg_restore
        assert done.returncode != 0
        assert "Không tìm thấy pg_" in done.stderr
        assert "postgresql-client" in done.stderr


def test_backup_refuses_sqlite_with_what_to_do_instead(tmp_path: Path) -> None:
    done = manage(f"sqlite:///{tmp_path / 'quickstart.sqlite3'}", "backup", str(tmp_path / "x.dump"))
    assert done.returncode != 0
    assert "chỉ dành cho PostgreSQL" in done.stderr
    assert "quickstart.sqlite3" in done.stderr


def test_restore_refuses_without_yes_and_leaves_the_database_untouched(
    source: str, backup_file: Path, new_database: Callable[[str], str]
) -> None:
    target = new_database("no_yes")
    done = manage(target, "restore", str(backup_file))
    assert done.returncode != 0
    assert "--yes" in done.stderr
    assert snapshot(target)["rows"] == {}


def test_restore_refuses_a_database_with_tables_without_force(source: str, backup_file: Path) -> None:
    before = snapshot(source)
    done = manage(source, "restore", str(backup_file), "--yes")
    assert done.returncode != 0
    assert "không trống" in done.stderr
    assert "--force" in done.stderr
    assert_same(before, snapshot(source))


@pytest.mark.parametrize(
    ("make_file", "message"),
    [
        pytest.param(lambda path, backup: None, "Không có tệp sao lưu", id="missing"),
        pytest.param(
            lambda path, backup: path.write_bytes(b"not a backup\n" * 100),
            "không phải là bản sao lưu",
            id="garbage",
        ),
        pytest.param(
            lambda path, backup: path.write_bytes(backup.read_bytes()[:200]),
            "Không đọc được",
            id="cut_in_header",
        ),
        # The table of contents reads, the data stops half way: pg_restore fails inside its one transaction.
        pytest.param(
            lambda path, backup: path.write_bytes(backup.read_bytes()[: backup.stat().st_size * 2 // 3]),
            "Giao dịch đã bị huỷ",
            id="cut_in_the_data",
        ),
    ],
)
def test_restore_refuses_a_bad_file_and_leaves_the_database_untouched(
    source: str, backup_file: Path, tmp_path: Path, make_file: Callable[[Path, Path], None], message: str
) -> None:
    bad = tmp_path / "bad.dump"
    make_file(bad, backup_file)
    before = snapshot(source)

    done = manage(source, "restore", str(bad), "--yes", "--force")

    assert done.returncode != 0
    assert message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert_same(before, snapshot(source))


def test_restore_with_force_replaces_a_database_that_has_tables(
    source: str, backup_file: Path, new_database: Callable[[str], str]
) -> None:
    """The usual case in docker-compose: `migrate` has made the tables (and permissions) before the restore."""
    target = new_database("forced")
    manage_ok(target, "migrate", "--noinput", "-v", "0")
    with psycopg.connect(target) as conn:
        conn.execute("INSERT INTO auth_group (name) VALUES ('only in the target')")

    manage_ok(target, "restore", str(backup_file), "--yes", "--force")

    assert_same(snapshot(source), snapshot(target))
