"""The register refactor (parindex 0006-0008, scoring 0003-0004) on a real, loaded database: every row is kept,
under its new name, and recomputing afterwards changes no result.

tests/register/data/before_register_refactor.sql.gz is a `pg_dump --data-only --inserts` of the parindex_* and
scoring_* tables of a database migrated to parindex 0005 / scoring 0002, loaded with `load_par_data` (fixtures
and demo data) and recomputed. The test builds that database in a throwaway PostgreSQL database of its own
(beside DATABASE_URL's, dropped at the end), snapshots it with SQL, migrates it with `manage.py` in a
subprocess and compares row by row. It never uses the pytest-django test database: it requests no `db`
fixture, and talks to PostgreSQL through psycopg and subprocesses only.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
DUMP = Path(__file__).resolve().parent / "data" / "before_register_refactor.sql.gz"
BEFORE = {"parindex": "0005_import_job", "scoring": "0002_domain_result_single_index"}

OLD_TRIGGERS = {"parindex_domain_score_within_max", "parindex_edition_year_in_methodology"}
NEW_TRIGGERS = {
    "parindex_score_within_max",
    "parindex_edition_methodology_fits",
    "parindex_assessment_unit_fits",
}

# The rows the dump holds (19 editions, 579 assessments, ...): a load that silently kept nothing would
# otherwise compare empty with empty.
EXPECTED_COUNTS = {
    "editions": 19,
    "assessments": 579,
    "scores": 3800,
    "year results": 579,
    "domain results": 3800,
    "edition summaries": 19,
}


def both(sql: str) -> tuple[str, str]:
    """A query of a table the refactor leaves as it was."""
    return sql, sql


# name: (query on the schema before the refactor, query on the schema after it). Both give the same columns
# in the same order, sorted by primary key: the old row as it must read after the migration.
ROWS: dict[str, tuple[str, str]] = {
    "regions": both('SELECT id, name, name_en, "order" FROM parindex_region ORDER BY id'),
    "units": (
        """SELECT id, code, name, official_name, slug, kind, valid_from, valid_until, aliases, code_confidence,
                  source_url, region_id, 'province', NULL::bigint
           FROM parindex_province ORDER BY id""",
        """SELECT id, code, name, official_name, slug, kind, valid_from, valid_until, aliases, code_confidence,
                  source_url, region_id, level, parent_id
           FROM parindex_unit ORDER BY id""",
    ),
    "successions": both("SELECT id, date, predecessor_id, successor_id FROM parindex_succession ORDER BY id"),
    "methodologies": (
        """SELECT id, code, title, year_from, year_until, is_demo, note, source_url, true
           FROM parindex_methodology ORDER BY id""",
        """SELECT id, code, title, year_from, year_until, is_demo, note, source_url,
                  index_id = (SELECT id FROM parindex_index WHERE code = 'PAR_INDEX')
            FROM parindex_methodology ORDER BY id""",
    ),
    "criteria": (
        """SELECT id, methodology_id, number, name_vi, name_en, max_points, max_points_status,
                  number::text, 1, NULL::bigint
           FROM parindex_domain ORDER BY id""",
        """SELECT id, methodology_id, number, name_vi, name_en, max_points, max_points_status,
                  code, level, parent_id
           FROM parindex_criterion ORDER BY id""",
    ),
    "editions": (
        """SELECT id, year, kind, status, source, note, published_at, methodology_id, true
           FROM parindex_edition ORDER BY id""",
        """SELECT id, year, kind, status, source, note, published_at, methodology_id,
                  index_id = (SELECT id FROM parindex_index WHERE code = 'PAR_INDEX')
            FROM parindex_edition ORDER BY id""",
    ),
    "historical editions": (
        """SELECT history_id, id, year, kind, status, source, note, published_at, methodology_id, history_date,
                  history_type, history_user_id, true
           FROM parindex_historicaledition ORDER BY history_id""",
        """SELECT history_id, id, year, kind, status, source, note, published_at, methodology_id, history_date,
                   history_type, history_user_id,
                  index_id = (SELECT id FROM parindex_index WHERE code = 'PAR_INDEX')
            FROM parindex_historicaledition ORDER BY history_id""",
    ),
    "published averages": (
        "SELECT id, year, average, source_url, note, region_id, true FROM parindex_publishedaverage ORDER BY id",
        """SELECT id, year, average, source_url, note, region_id,
                  index_id = (SELECT id FROM parindex_index WHERE code = 'PAR_INDEX')
            FROM parindex_publishedaverage ORDER BY id""",
    ),
    "assessments": (
        """SELECT id, edition_id, province_id, published_index, published_rank, version, source_url, note,
                  updated_at
           FROM parindex_assessment ORDER BY id""",
        """SELECT id, edition_id, unit_id, published_index, published_rank, version, source_url, note,
                  updated_at
           FROM parindex_assessment ORDER BY id""",
    ),
    "historical assessments": (
        """SELECT history_id, id, edition_id, province_id, published_index, published_rank, version, source_url,
                  note, updated_at, history_date, history_type, history_user_id
           FROM parindex_historicalassessment ORDER BY history_id""",
        """SELECT history_id, id, edition_id, unit_id, published_index, published_rank, version, source_url,
                  note, updated_at, history_date, history_type, history_user_id
           FROM parindex_historicalassessment ORDER BY history_id""",
    ),
    # A score with not-applicable points (the whole domain) becomes a not-applicable score without points.
    "scores": (
        """SELECT id, assessment_id, domain_id, CASE WHEN not_applicable > 0 THEN NULL ELSE points END,
                  not_applicable > 0
           FROM parindex_domainscore ORDER BY id""",
        "SELECT id, assessment_id, criterion_id, points, not_applicable FROM parindex_score ORDER BY id",
    ),
    "historical scores": (
        """SELECT history_id, id, assessment_id, domain_id, points, history_date, history_type
           FROM parindex_historicaldomainscore ORDER BY history_id""",
        """SELECT history_id, id, assessment_id, criterion_id, points, history_date, history_type
           FROM parindex_historicalscore ORDER BY history_id""",
    ),
    "year results": (
        """SELECT id, edition_id, province_id, index, index_source, points, max_points, rank, published_rank,
                  region_rank, "group", rank_change, index_change, change_basis, rank_mismatch
           FROM scoring_yearresult ORDER BY id""",
        """SELECT id, edition_id, unit_id, index, index_source, points, max_points, rank, published_rank,
                  region_rank, "group", rank_change, index_change, change_basis, rank_mismatch
           FROM scoring_yearresult ORDER BY id""",
    ),
    "domain results": both(
        """SELECT id, year_result_id, domain_id, points, max_points, percent, rank
           FROM scoring_domainresult ORDER BY id"""
    ),
    "edition summaries": both(
        """SELECT id, edition_id, national_average, above_average, moved_up, moved_down, unchanged, unit_count,
                  expected_units, complete, merger_rule, computed_at
           FROM scoring_editionsummary ORDER BY id"""
    ),
    "region results": both(
        "SELECT id, edition_id, region_id, average, unit_count FROM scoring_regionresult ORDER BY id"
    ),
}

# The computed results by what they are about, not by id (a recompute writes new rows): the values a
# recompute on the migrated database must give again.
RESULTS: dict[str, tuple[str, str]] = {
    "year results": (
        """SELECT edition_id, province_id, index, index_source, points, max_points, rank, published_rank,
                  region_rank, "group", rank_change, index_change, change_basis, rank_mismatch
           FROM scoring_yearresult ORDER BY edition_id, province_id""",
        """SELECT edition_id, unit_id, index, index_source, points, max_points, rank, published_rank,
                  region_rank, "group", rank_change, index_change, change_basis, rank_mismatch
           FROM scoring_yearresult ORDER BY edition_id, unit_id""",
    ),
    "domain results": (
        """SELECT y.edition_id, y.province_id, d.domain_id, d.points, d.max_points, d.percent, d.rank
           FROM scoring_domainresult d JOIN scoring_yearresult y ON y.id = d.year_result_id
           ORDER BY y.edition_id, y.province_id, d.domain_id""",
        """SELECT y.edition_id, y.unit_id, d.domain_id, d.points, d.max_points, d.percent, d.rank
           FROM scoring_domainresult d JOIN scoring_yearresult y ON y.id = d.year_result_id
           ORDER BY y.edition_id, y.unit_id, d.domain_id""",
    ),
    "edition summaries": both(
        """SELECT edition_id, national_average, above_average, moved_up, moved_down, unchanged, unit_count,
                  expected_units, complete, merger_rule
           FROM scoring_editionsummary ORDER BY edition_id"""
    ),
    "region results": both(
        "SELECT edition_id, region_id, average, unit_count FROM scoring_regionresult ORDER BY edition_id, region_id"
    ),
}

Rows = list[tuple[Any, ...]]


@pytest.fixture
def throwaway_database_url() -> Iterator[str]:
    """An empty PostgreSQL database beside DATABASE_URL's (never the test database), dropped afterwards."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    if parts.scheme not in {"postgres", "postgresql"}:
        pytest.skip("the migration test needs PostgreSQL")
    name = f"{parts.path.lstrip('/')}_migration_{os.getpid()}"
    url = urlunsplit(parts._replace(path=f"/{name}"))
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(url: str, *args: str) -> str:
    """Run manage.py on the throwaway database; a failure shows the command's whole output."""
    done = subprocess.run(  # noqa: S603 (our own interpreter and manage.py, fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(
            f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}",
            pytrace=False,
        )
    return done.stdout


def load_dump(url: str) -> None:
    """Execute the dump as psql would. Two adaptations: psql's own commands (`\\restrict`, `\\unrestrict`) are
    not SQL and are left out; and the dump empties search_path, which the old triggers (unqualified table
    names, as every Django session runs them) cannot work with, so it is set to public instead."""
    text = gzip.decompress(DUMP.read_bytes()).decode("utf-8")
    empty_path = "set_config('search_path', '', false)"
    assert text.count(empty_path) == 1
    text = text.replace(empty_path, "set_config('search_path', 'public', false)")
    sql = "\n".join(line for line in text.splitlines() if not line.startswith("\\"))
    with psycopg.connect(url) as conn:
        conn.execute(sql)  # the whole script at once: no parameters, so several statements are fine


def read(url: str, queries: dict[str, tuple[str, str]], side: int) -> dict[str, Rows]:
    with psycopg.connect(url) as conn:
        return {name: conn.execute(pair[side]).fetchall() for name, pair in queries.items()}


def triggers(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal").fetchall()
    return {name for (name,) in rows}


def assert_same_rows(expected: dict[str, Rows], actual: dict[str, Rows], when: str) -> None:
    for name, rows in expected.items():
        got = actual[name]
        if got == rows:
            continue
        first = next(
            (i for i, (a, b) in enumerate(zip(rows, got, strict=False)) if a != b), min(len(rows), len(got))
        )
        pytest.fail(
            f"{when}, {name} differ: {len(rows)} rows expected, {len(got)} found; first difference at row {first}:\n"
            f"  expected {rows[first] if first < len(rows) else '(none)'}\n"
            f"  found    {got[first] if first < len(got) else '(none)'}",
            pytrace=False,
        )


def test_migrating_a_loaded_database_keeps_every_row_and_result(throwaway_database_url: str) -> None:
    url = throwaway_database_url
    for app, migration in BEFORE.items():
        manage(url, "migrate", "--noinput", "-v", "0", app, migration)
    load_dump(url)
    assert triggers(url) >= OLD_TRIGGERS

    before = read(url, ROWS, 0)
    for name, count in EXPECTED_COUNTS.items():
        assert len(before[name]) == count, name
    results_before = read(url, RESULTS, 0)

    manage(url, "migrate", "--noinput", "-v", "0")

    assert_same_rows(before, read(url, ROWS, 1), "after migrating")
    with psycopg.connect(url) as conn:
        indices = conn.execute("SELECT code, unit_level, owner_id FROM parindex_index").fetchall()
    assert indices == [("PAR_INDEX", "province", None)]
    present = triggers(url)
    assert present >= NEW_TRIGGERS
    assert not present & OLD_TRIGGERS

    manage(url, "recompute_results", "--all")

    assert_same_rows(results_before, read(url, RESULTS, 1), "after recomputing")
