"""Loading the reference data, the published figures and the demo dataset from `fixtures/`.

Idempotent: every row is found by its natural key and only created or updated when it differs, so loading
twice leaves the same rows (same ids, same values). Everything runs in one transaction.
"""

from __future__ import annotations

import csv
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.db import models, transaction

from parindex.register import demo
from parindex.register.models import (
    PAR_INDEX,
    Assessment,
    Criterion,
    Edition,
    EditionKind,
    EditionStatus,
    Index,
    MaxPointsStatus,
    Methodology,
    PublishedAverage,
    Region,
    Score,
    Succession,
    Unit,
    UnitKind,
)
from parindex.register.names import UnitMatcher, slug_for

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=models.Model)

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
REORGANISATION_DATE = date(2025, 7, 1)
LAST_DAY_OF_63 = date(2025, 6, 30)
DEMO_METHODOLOGY_CODE = "DEMO"
DEMO_SOURCE = "Dữ liệu minh họa (demo), không phải số liệu chính thức / demo data, not official"


@dataclass
class LoadReport:
    """How many rows each step created and updated (zero and zero on a second run)."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        names = sorted(set(self.created) | set(self.updated))
        out = [f"{n}: {self.created[n]} created, {self.updated[n]} updated" for n in names]
        out.extend(f"skipped: {s}" for s in self.skipped)
        return out


def _rows(name: str, fixtures: Path) -> Iterator[dict[str, str]]:
    with (fixtures / name).open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _dec(text: str) -> Decimal | None:
    text = text.strip()
    return Decimal(text) if text else None


def _upsert(
    report: LoadReport,
    model: type[M],
    lookup: dict[str, Any],
    values: dict[str, Any],
    initial: dict[str, Any] | None = None,
) -> M:
    """get-or-create by `lookup`, then update only the fields of `values` whose values differ.

    `initial` holds values used only when the row is created: data that admins own once it exists (domain
    maxima and years our sources do not give, the regions of the 34 units, whether an edition is published),
    so that loading again never undoes their work.
    """
    obj, created = model._default_manager.get_or_create(**lookup, defaults={**(initial or {}), **values})
    label = model._meta.model_name or model.__name__
    if created:
        report.created[label] += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        report.updated[label] += 1
    return obj


@transaction.atomic
def par_data_load(*, fixtures: Path = FIXTURES_DIR, with_demo: bool = True) -> LoadReport:
    """Load everything; see the module docstring."""
    report = LoadReport()
    _load_geography(report, fixtures)
    _load_indices(report, fixtures)
    _load_methodologies(report, fixtures)
    _load_official_figures(report, fixtures)
    if with_demo:
        _load_demo(report)
    return report


def _load_geography(report: LoadReport, fixtures: Path) -> None:
    regions = {
        row["name"]: _upsert(
            report,
            Region,
            {"name": row["name"]},
            {"name_en": row["name_en"], "order": int(row["order"])},
        )
        for row in _rows("regions.csv", fixtures)
    }
    aliases: dict[tuple[str, str], list[str]] = {}
    for row in _rows("province_aliases.csv", fixtures):
        aliases.setdefault((row["name"], row["valid"]), []).append(row["alias"])

    old_by_name: dict[str, Unit] = {}
    for row in _rows("provinces_63.csv", fixtures):
        kind = UnitKind.CITY if row["kind"].startswith("thành phố") else UnitKind.PROVINCE
        bare = row["name"].removeprefix("TP ")
        official = f"{'Thành phố' if kind == UnitKind.CITY else 'Tỉnh'} {bare}"
        old_by_name[row["name"]] = _upsert(
            report,
            Unit,
            {"slug": slug_for(row["name"])},
            {
                "code": row["code"],
                "name": row["name"],
                "official_name": official,
                "kind": kind,
                "region": regions[row["region"]],
                "valid_from": None,
                "valid_until": date.fromisoformat(row["valid_until"]),
                "aliases": aliases.get((row["name"], "63"), []),
                "code_confidence": "",
                "source_url": "",
            },
        )

    for row in _rows("provinces_34.csv", fixtures):
        predecessor_names = row["predecessors"].split(";")
        kind = UnitKind.CITY if row["official_name"].startswith("Thành phố") else UnitKind.PROVINCE
        # Regions of the 34 units are not final: start from the region of the unit that holds the seat.
        seat = old_by_name[row["seat_in_former"]]
        new = _upsert(
            report,
            Unit,
            {"slug": f"{slug_for(row['name'])}-2025"},
            {
                "code": row["code"],
                "name": row["name"],
                "official_name": row["official_name"],
                "kind": kind,
                "valid_from": date.fromisoformat(row["valid_from"]),
                "valid_until": None,
                "aliases": aliases.get((row["name"], "34"), []),
                "code_confidence": row["code_confidence"],
                "source_url": row["source_url"],
            },
            initial={"region": seat.region},
        )
        for name in predecessor_names:
            _upsert(
                report,
                Succession,
                {"predecessor": old_by_name[name], "successor": new},
                {"date": REORGANISATION_DATE},
            )


def _load_indices(report: LoadReport, fixtures: Path) -> None:
    """The indices the provinces track (fixtures/indices.csv): PAR INDEX, SIPAS, PAPI, PCI, DTI."""
    for row in _rows("indices.csv", fixtures):
        _upsert(
            report,
            Index,
            {"code": row["code"]},
            {
                "short_name": row["short_name"],
                "name_vi": row["name_vi"],
                "name_en": row["name_en"],
                "publisher": row["publisher"],
                "unit_level": row["unit_level"],
                "value_kind": row["value_kind"],
                "max_value": _dec(row["max_value"]),
                "higher_is_better": row["higher_is_better"] == "1",
                "order": int(row["order"]),
            },
        )


def _par_index() -> Index:
    return Index.objects.get(code=PAR_INDEX)


def _load_methodologies(report: LoadReport, fixtures: Path) -> None:
    par_index = _par_index()
    methodologies: dict[str, Methodology] = {}
    for row in _rows("methodology_meta.csv", fixtures):
        # Years our sources do not give are set by an admin: the fixture only fills them in when it knows them.
        years = {
            "year_from": int(row["year_from"]) if row["year_from"] else None,
            "year_until": int(row["year_until"]) if row["year_until"] else None,
        }
        known_years = years if years["year_from"] is not None else {}
        methodologies[row["code"]] = _upsert(
            report,
            Methodology,
            {"index": par_index, "code": row["code"]},
            {
                "title": row["title"],
                **known_years,
                "note": row["note"],
                "source_url": row["source_url"],
                "is_demo": False,
            },
            initial=years,
        )
    for row in _rows("methodologies.csv", fixtures):
        # Likewise the maxima: published ones are the fixture's, unknown ones (QĐ 876) are the admins'.
        maximum = {
            "max_points": _dec(row["max_points"]),
            "max_points_status": MaxPointsStatus(row["max_points_status"]),
        }
        known_maximum = maximum if maximum["max_points"] is not None else {}
        _upsert(
            report,
            Criterion,
            {
                "methodology": methodologies[row["methodology"]],
                "parent": None,
                "number": int(row["domain_no"]),
            },
            {"name_vi": row["domain_vi"], "name_en": row["domain_en"], **known_maximum},
            initial=maximum,
        )


def _methodology_for(year: int) -> Methodology | None:
    """The real criteria set recorded for `year`, or None where our sources do not record one."""
    for methodology in Methodology.objects.filter(
        index__code=PAR_INDEX, is_demo=False, year_from__isnull=False
    ):
        if methodology.covers(year):
            return methodology
    return None


def _load_official_figures(report: LoadReport, fixtures: Path) -> None:
    par_index = _par_index()
    units = list(Unit.objects.all())
    regions = {r.name: r for r in Region.objects.all()}
    editions: dict[int, Edition] = {}
    for row in _rows("par_published_totals.csv", fixtures):
        year = int(row["year"])
        if year not in editions:
            editions[year] = _upsert(
                report,
                Edition,
                {"index": par_index, "year": year, "kind": EditionKind.OFFICIAL},
                {
                    "source": "Bộ Nội vụ công bố; từng số liệu ghi nguồn riêng / per-figure sources",
                    "note": "Chỉ gồm các số liệu đã thu thập được, chưa đủ 63 tỉnh / partial: figures gathered so far",
                },
                # An approver may reopen an edition or set the methodology of its year: loading again keeps that.
                initial={"status": EditionStatus.PUBLISHED, "methodology": _methodology_for(year)},
            )
        unit = UnitMatcher.for_year(year, units).match(row["province"])
        rank = row["rank"].strip()
        _upsert(
            report,
            Assessment,
            {"edition": editions[year], "unit": unit},
            {
                "published_index": _dec(row["index_percent"]),
                "published_rank": int(rank) if rank else None,
                "source_url": row["source_url"],
                "note": row["note"],
            },
        )
    for row in _rows("par_national_averages.csv", fixtures):
        if not row["source_url"]:
            report.skipped.append(f"national average {row['year']} ({row['average_percent']}): no source URL")
            continue
        _upsert(
            report,
            PublishedAverage,
            {"index": par_index, "year": int(row["year"]), "region": None},
            {
                "average": Decimal(row["average_percent"]),
                "source_url": row["source_url"],
                "note": row["note"],
            },
        )
    for row in _rows("par_region_averages.csv", fixtures):
        _upsert(
            report,
            PublishedAverage,
            {"index": par_index, "year": int(row["year"]), "region": regions[row["region"]]},
            {"average": Decimal(row["average_percent"]), "source_url": row["source_url"], "note": ""},
        )


def _load_demo(report: LoadReport) -> None:
    par_index = _par_index()
    methodology = _upsert(
        report,
        Methodology,
        {"index": par_index, "code": DEMO_METHODOLOGY_CODE},
        {
            "title": "Bộ tiêu chí minh họa (demo) — không phải bộ tiêu chí chính thức",
            "year_from": demo.YEARS_63[0],
            "year_until": demo.YEAR_34,
            "is_demo": True,
            "note": "Điểm tối đa tạm tính, chỉ dùng cho dữ liệu minh họa / provisional maxima, demo only.",
            "source_url": "",
        },
    )
    real_domains = {
        d.number: d for d in Criterion.objects.domains().filter(methodology__code="QĐ 876/QĐ-BNV")
    }
    domains = {
        number: _upsert(
            report,
            Criterion,
            {"methodology": methodology, "parent": None, "number": number},
            {
                "name_vi": real_domains[number].name_vi,
                "name_en": real_domains[number].name_en,
                "max_points": maximum,
                "max_points_status": MaxPointsStatus.PROVISIONAL,
            },
        )
        for number, maximum in enumerate(demo.DEMO_MAXIMA, start=1)
    }
    old = {p.code: p for p in Unit.objects.filter(valid_until=LAST_DAY_OF_63)}
    new = {p.code: p for p in Unit.objects.filter(valid_from=REORGANISATION_DATE)}
    predecessors: dict[str, list[str]] = {}
    for succession in Succession.objects.select_related("predecessor", "successor"):
        predecessors.setdefault(succession.successor.code, []).append(succession.predecessor.code)
    scores = demo.generate(list(old), list(new), predecessors)

    years = sorted({s.year for s in scores})
    editions = {
        year: _upsert(
            report,
            Edition,
            {"index": par_index, "year": year, "kind": EditionKind.DEMO},
            {
                "status": EditionStatus.PUBLISHED,
                "methodology": methodology,
                "source": DEMO_SOURCE,
                "note": "",
            },
        )
        for year in years
    }
    units_by_year = {year: (new if year >= demo.YEAR_34 else old) for year in years}
    existing_assessments = {
        (a.edition_id, a.unit_id): a for a in Assessment.objects.filter(edition__in=editions.values())
    }
    wanted = {(editions[s.year].pk, units_by_year[s.year][s.unit].pk) for s in scores}
    missing = [
        Assessment(edition_id=e, unit_id=p, source_url="", note="demo")
        for (e, p) in sorted(wanted - existing_assessments.keys())
    ]
    Assessment.objects.bulk_create(missing)
    report.created["assessment"] += len(missing)
    assessments = {
        (a.edition_id, a.unit_id): a for a in Assessment.objects.filter(edition__in=editions.values())
    }
    existing_scores = {
        (s.assessment_id, s.criterion_id): s
        for s in Score.objects.filter(assessment__edition__in=editions.values())
    }
    to_create: list[Score] = []
    to_update: list[Score] = []
    for s in scores:
        assessment = assessments[(editions[s.year].pk, units_by_year[s.year][s.unit].pk)]
        key = (assessment.pk, domains[s.domain].pk)
        current = existing_scores.get(key)
        if current is None:
            to_create.append(Score(assessment=assessment, criterion=domains[s.domain], points=s.points))
        elif current.points != s.points:
            current.points = s.points
            to_update.append(current)
    Score.objects.bulk_create(to_create, batch_size=2000)
    Score.objects.bulk_update(to_update, ["points"], batch_size=2000)
    report.created["domainscore"] += len(to_create)
    report.updated["domainscore"] += len(to_update)
