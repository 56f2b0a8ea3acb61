"""The throwaway PostgreSQL database each benchmark creates beside DATABASE_URL's and drops at the end."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import psycopg


def bench_urls(script: str, name_variable: str, default_name: str) -> tuple[str, str, str]:
    """(bench database URL, maintenance database URL, bench database name) derived from DATABASE_URL."""
    source = os.environ.get("DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/parindex")
    parts = urlsplit(source)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise SystemExit(f"{script} needs a PostgreSQL DATABASE_URL, got {source!r}")
    name = os.environ.get(name_variable, default_name)
    bench = urlunsplit(parts._replace(path=f"/{name}"))
    maintenance = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    return bench, maintenance, name


def recreate(maintenance: str, name: str, *, drop_only: bool = False) -> None:
    """Drop the bench database (closing its connections) and, unless `drop_only`, create it empty."""
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')
