"""Loading the reference data, the published figures and the demo dataset from `fixtures/`.

Idempotent: every row is found by its natural key and only created or updated when it differs, so loading
twice leaves the same rows (same ids, same values). Everything runs in one transaction.

Published figures: every sourced row of the published files becomes a ``PublishedFigure`` with its source URL
(and quote where the file has one). The edition's ``Assessment`` holds the value in use: the first source's,
blanks filled by later sources that agree with it; where two sources disagree the assessment keeps the first
value and both figures are flagged ``disagrees`` (kept side by side, never averaged). A row without a source
URL is never loaded as an official figure: it is skipped and the report says why.

History: every row of a model with history (editions, assessments, scores) is created or changed with a history
record whose reason says it was loaded (``LOAD_REASON``), so that the audit trail shows the old value of the
first change made after loading. Rows loaded before the loader did so have no record at all: loading again gives
each of them a baseline record of its current values (``BASELINE_REASON``).
"""

from __future__ import annotations

import csv
import dataclasses
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

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
    MethodologyPart,
    PublishedAverage,
    PublishedFigure,
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
SIPAS = "SIPAS"
OFFICIAL_SOURCE = "Bộ Nội vụ công bố; từng số liệu ghi nguồn riêng / per-figure sources"
OFFICIAL_NOTE = "Chỉ gồm các số liệu đã thu thập được, chưa đủ 63 tỉnh / partial: figures gathered so far"
# Notes of par_published_totals_more.csv whose rows set or fill an assessment ("conflicts with …" rows do not).
FILLING_NOTES = ("new", "fills or corrects", "original source")
# The four parts of the 2020 totals (par_2020_components.csv): column → what the figure measures.
COMPONENTS_2020 = {
    "appraisal_points": "Điểm thẩm định",
    "sipas_points": "SIPAS (khảo sát người dân, tổ chức)",
    "leader_survey_points": "Khảo sát lãnh đạo, quản lý",
    "socioeconomic_impact_points": "Tác động đến phát triển kinh tế - xã hội",
}
_TRAILING_REMARK = re.compile(r"\s\(([^()]*)\)$")  # "… (rank from listed order — order assumed)"
_DOMAIN_NUMBER = re.compile(r"^(\d+) (?!\(part\))")  # "4 Cải cách tổ chức bộ máy", not "8 (part) …"
_QUALIFIER = re.compile(r"\s*\([^()]*\)$")  # "QĐ 876/QĐ-BNV (provincial)" → "QĐ 876/QĐ-BNV"
# Reasons of the history records the loader writes (stored as data, shown in the audit trail as written).
LOAD_REASON = "Nạp dữ liệu tham chiếu"
DEMO_REASON = "Nạp dữ liệu minh họa (demo)"
BASELINE_REASON = "Mốc lịch sử: giá trị đã nạp trước khi có lịch sử"


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
    fill: dict[str, Any] | None = None,
) -> M:
    """get-or-create by `lookup`, then update only the fields of `values` whose values differ.

    `initial` holds values used only when the row is created: data that admins own once it exists (domain
    maxima and years our sources do not give, the regions of the 34 units, whether an edition is published),
    so that loading again never undoes their work. `fill` holds values written when the row is created and
    afterwards only into fields still empty (None or ""): what the fixture knows but an admin may replace.
    """
    label = model._meta.model_name or model.__name__
    try:
        obj = model._default_manager.get(**lookup)
    except model.DoesNotExist:  # type: ignore[attr-defined]
        obj = model(**lookup, **{**(initial or {}), **(fill or {}), **values})
        obj._change_reason = LOAD_REASON  # type: ignore[attr-defined]  # read by the history, where there is one
        obj.save()
        report.created[label] += 1
        return obj
    wanted = {
        name: value
        for name, value in (fill or {}).items()
        if getattr(obj, name) in (None, "") and value not in (None, "")
    }
    wanted.update(values)
    changed = [name for name, value in wanted.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, wanted[name])
        obj._change_reason = LOAD_REASON  # type: ignore[attr-defined]
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
    _load_point_split(report, fixtures)
    figures: list[_Figure] = []
    _load_official_figures(report, fixtures, figures)
    _load_sipas(report, fixtures, figures)
    _load_part_figures(fixtures, figures)
    _save_figures(report, figures)
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
        # Likewise the maxima: published ones are the fixture's (with their source and note), unknown ones
        # (four domains of QĐ 876) are the admins'; the fixture's note only fills an empty one.
        maximum = {
            "max_points": _dec(row["max_points"]),
            "max_points_status": MaxPointsStatus(row["max_points_status"]),
        }
        sourced = {"source_url": row.get("source_url", ""), "note": row.get("note", "")}
        known = maximum["max_points"] is not None
        _upsert(
            report,
            Criterion,
            {
                "methodology": methodologies[row["methodology"]],
                "parent": None,
                "number": int(row["domain_no"]),
            },
            {
                "name_vi": row["domain_vi"],
                "name_en": row["domain_en"],
                **(maximum if known else {}),
                **(sourced if known else {}),
            },
            initial=maximum,
            fill={} if known else sourced,
        )


def _load_point_split(report: LoadReport, fixtures: Path) -> None:
    """How a criteria set's 100 points split (par_point_split.csv) → MethodologyPart, keyed by a slug of the
    part's name. The file's rows are as published: a subtotal (appraisal 68 = 61.5 + 6.5) is a row too."""
    par_index = _par_index()
    order: Counter[str] = Counter()
    keys: set[tuple[str, str]] = set()
    for row in _rows("par_point_split.csv", fixtures):
        code = _QUALIFIER.sub("", row["methodology"])
        methodology = Methodology.objects.filter(index=par_index, code=code).first()
        if methodology is None:
            report.skipped.append(f"point split {row['methodology']}: no criteria set {code}")
            continue
        key = slug_for(row["domain_vi"].split(" (")[0])[:40].rstrip("-")
        if (code, key) in keys:
            raise ValueError(f"par_point_split.csv: two parts of {code} named {key}")
        keys.add((code, key))
        order[code] += 1
        _upsert(
            report,
            MethodologyPart,
            {"methodology": methodology, "key": key},
            {
                "name": row["domain_vi"],
                "max_points": Decimal(row["max_points"]),
                "status": row["status"],
                "source_url": row["source_url"],
                "quote": row["quote"],
                "order": order[code],
            },
        )


def _methodology_for(year: int) -> Methodology | None:
    """The real criteria set recorded for `year`, or None where our sources do not record one."""
    for methodology in Methodology.objects.filter(
        index__code=PAR_INDEX, is_demo=False, year_from__isnull=False
    ):
        if methodology.covers(year):
            return methodology
    return None


@dataclass
class _Figure:
    """A figure as one source published it, before it is saved as a PublishedFigure."""

    index: Index
    year: int
    unit: Unit
    value: Decimal | None
    rank: int | None
    source_url: str
    measure: str = ""
    quote: str = ""
    note: str = ""
    criterion: Criterion | None = None
    max_points: Decimal | None = None

    @property
    def key(self) -> tuple[Any, ...]:
        """The natural key of the PublishedFigure row (one source giving one value and rank)."""
        return (self.index.pk, self.year, self.unit.pk, self.measure, self.source_url, self.value, self.rank)

    @property
    def subject(self) -> tuple[Any, ...]:
        """What the figure is about: figures of one subject from different sources must agree."""
        return (self.index.pk, self.year, self.unit.pk, self.measure)


@dataclass
class _Result:
    """The published index and rank an assessment will hold, and where they came from."""

    published_index: Decimal | None
    published_rank: int | None
    source_url: str
    note: str

    def conflicts(self, value: Decimal | None, rank: int | None) -> bool:
        return (value is not None and self.published_index is not None and value != self.published_index) or (
            rank is not None and self.published_rank is not None and rank != self.published_rank
        )

    def fill(self, value: Decimal | None, rank: int | None, source_url: str) -> None:
        """Fill blanks; the note names the source of a value taken from another source than `source_url`."""
        sources: list[str] = []
        if self.published_index is None and value is not None:
            self.published_index = value
            sources.append(f"Chỉ số theo nguồn {source_url}")
        if self.published_rank is None and rank is not None:
            self.published_rank = rank
            sources.append(f"Thứ hạng theo nguồn {source_url}")
        if source_url != self.source_url:
            self.note = "; ".join(filter(None, [self.note, *sources]))


def _add_result(results: dict[tuple[int, Unit], _Result], figure: _Figure, note: str = "") -> None:
    """The first source of a unit's year sets its result; later ones only fill blanks, and only when they
    agree with it (a disagreement leaves the result as it is: the figures say so, see _save_figures)."""
    key = (figure.year, figure.unit)
    current = results.get(key)
    if current is None:
        results[key] = _Result(figure.value, figure.rank, figure.source_url, note)
    elif not current.conflicts(figure.value, figure.rank):
        current.fill(figure.value, figure.rank, figure.source_url)


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text else None


class _UnitNames:
    """Unit names of the files matched to the units an index measures in each year (aliases included)."""

    def __init__(self, index: Index) -> None:
        self.units = list(Unit.objects.measured_by(index))
        self.matchers: dict[int, UnitMatcher] = {}

    def match(self, year: int, name: str) -> Unit:
        if year not in self.matchers:
            self.matchers[year] = UnitMatcher.for_year(year, self.units)
        return self.matchers[year].match(name)


def _save_results(report: LoadReport, index: Index, results: dict[tuple[int, Unit], _Result]) -> None:
    """The official editions of `index` (published, created when missing) and their assessments."""
    editions: dict[int, Edition] = {}
    for (year, unit), result in results.items():
        if year not in editions:
            methodology = _methodology_for(year) if index.code == PAR_INDEX else None
            editions[year] = _upsert(
                report,
                Edition,
                {"index": index, "year": year, "kind": EditionKind.OFFICIAL},
                {"source": OFFICIAL_SOURCE, "note": OFFICIAL_NOTE},
                # An approver may reopen an edition or set the methodology of its year: loading again keeps that.
                initial={"status": EditionStatus.PUBLISHED, "methodology": methodology},
            )
        _upsert(
            report,
            Assessment,
            {"edition": editions[year], "unit": unit},
            {
                "published_index": result.published_index,
                "published_rank": result.published_rank,
                "source_url": result.source_url,
                "note": result.note,
            },
        )
    _leave_baselines(report, Assessment, Assessment.objects.filter(edition__in=editions.values()))


def _leave_baselines(report: LoadReport, model: type[M], rows: models.QuerySet[M]) -> None:
    """Give each of `rows` that has no history record at all a baseline record of its current values (rows
    loaded before the loader kept history), so that the next change shows its old value. Two queries when
    every row has one."""
    history = model.history.model  # type: ignore[attr-defined]
    missing = list(rows.filter(~Exists(history.objects.filter(id=OuterRef("pk")))))
    if missing:
        model.history.bulk_history_create(  # type: ignore[attr-defined]
            missing, default_change_reason=BASELINE_REASON, default_date=timezone.now()
        )
        report.created[f"{model._meta.model_name} history baseline"] += len(missing)


def _totals_figure(index: Index, names: _UnitNames, row: dict[str, str]) -> _Figure:
    """A row of par_published_totals*.csv (year, province, index_percent, rank, note, source_url[, quote])."""
    year = int(row["year"])
    return _Figure(
        index=index,
        year=year,
        unit=names.match(year, row["province"]),
        value=_dec(row["index_percent"]),
        rank=_int(row["rank"]),
        source_url=row["source_url"],
        quote=row.get("quote", ""),
        note=row["note"],
    )


def _load_official_figures(report: LoadReport, fixtures: Path, figures: list[_Figure]) -> None:
    """PAR INDEX totals: par_published_totals.csv, then par_published_totals_more.csv (new rows, blanks
    filled, original sources; its "conflicts with …" rows are figures only), and the published averages."""
    par_index = _par_index()
    names = _UnitNames(par_index)
    regions = {r.name: r for r in Region.objects.all()}
    results: dict[tuple[int, Unit], _Result] = {}
    for row in _rows("par_published_totals.csv", fixtures):
        figure = _totals_figure(par_index, names, row)
        figures.append(figure)
        _add_result(results, figure, note=row["note"])
    for row in _rows("par_published_totals_more.csv", fixtures):
        figure = _totals_figure(par_index, names, row)
        figures.append(figure)
        if row["note"].startswith(FILLING_NOTES):
            _add_result(results, figure)
    _save_results(report, par_index, results)

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


def _load_sipas(report: LoadReport, fixtures: Path, figures: list[_Figure]) -> None:
    """SIPAS: sipas_published_more.csv (every row with its source; "NATIONAL AVERAGE" is the national
    average) → official editions of SIPAS. sipas_published.csv has no source column: a row of it is loaded
    only as the same figure of a sourced row, otherwise skipped and reported."""
    sipas = Index.objects.get(code=SIPAS)
    names = _UnitNames(sipas)
    results: dict[tuple[int, Unit], _Result] = {}
    sourced: set[tuple[int, int, Decimal | None, int | None]] = set()
    for row in _rows("sipas_published_more.csv", fixtures):
        year, value, rank = int(row["year"]), _dec(row["value"]), _int(row["rank"])
        if row["province"] == "NATIONAL AVERAGE":
            if value is None:
                report.skipped.append(f"SIPAS national average {year}: no value")
                continue
            _upsert(
                report,
                PublishedAverage,
                {"index": sipas, "year": year, "region": None},
                {"average": value, "source_url": row["source_url"], "note": ""},
            )
            continue
        if value is None and rank is None:
            report.skipped.append(
                f"SIPAS {year} {row['province']}: neither a value nor a rank in sipas_published_more.csv"
            )
            continue
        remark = _TRAILING_REMARK.search(row["quote"])
        figure = _Figure(
            index=sipas,
            year=year,
            unit=names.match(year, row["province"]),
            value=value,
            rank=rank,
            source_url=row["source_url"],
            quote=row["quote"],
            note=remark.group(1) if remark else "",
        )
        figures.append(figure)
        _add_result(results, figure, note=figure.note)
        sourced.add((year, figure.unit.pk, value, rank))
    for row in _rows("sipas_published.csv", fixtures):
        year, value, rank = int(row["year"]), _dec(row["index_percent"]), _int(row["rank"])
        unit = names.match(year, row["province"])
        if (year, unit.pk, value, rank) not in sourced:
            report.skipped.append(
                f"SIPAS {year} {row['province']} ({row['index_percent'] or '-'}, rank {row['rank'] or '-'}): "
                "sipas_published.csv has no source URL and no sourced file gives this figure"
            )
    _save_results(report, sipas, results)


def _load_part_figures(fixtures: Path, figures: list[_Figure]) -> None:
    """Parts of the PAR INDEX as published: domain results (par_domain_results.csv; the domain number, when
    the text starts with one, links the criterion of the year's criteria set) and the 2020 components."""
    par_index = _par_index()
    names = _UnitNames(par_index)
    domains: dict[int, dict[int, Criterion]] = {}
    for row in _rows("par_domain_results.csv", fixtures):
        year = int(row["year"])
        if year not in domains:
            methodology = _methodology_for(year)
            domains[year] = (
                {c.number: c for c in Criterion.objects.domains().filter(methodology=methodology)}
                if methodology is not None
                else {}
            )
        number = _DOMAIN_NUMBER.match(row["domain"])
        figures.append(
            _Figure(
                index=par_index,
                year=year,
                unit=names.match(year, row["province"]),
                value=_dec(row["value"]),
                rank=_int(row["rank"]),
                source_url=row["source_url"],
                measure=row["domain"],
                quote=row["quote"],
                criterion=domains[year].get(int(number.group(1))) if number else None,
                max_points=_dec(row["max_points"]),
            )
        )
    for row in _rows("par_2020_components.csv", fixtures):
        year = int(row["year"])
        unit = names.match(year, row["province"])
        total = _Figure(
            index=par_index,
            year=year,
            unit=unit,
            value=_dec(row["value"]),
            rank=_int(row["rank"]),
            source_url=row["source_url"],
            quote=row["quote"],
        )
        figures.append(total)
        figures.extend(
            dataclasses.replace(total, value=_dec(row[column]), rank=None, measure=measure)
            for column, measure in COMPONENTS_2020.items()
        )


def _save_figures(report: LoadReport, figures: list[_Figure]) -> None:
    """Save the figures, one row per natural key (the first row of a key wins: the 2020 totals of two files
    are one figure). A figure disagrees when another source gives another value or rank of its subject."""
    unique: dict[tuple[Any, ...], _Figure] = {}
    for figure in figures:
        unique.setdefault(figure.key, figure)
    by_subject: dict[tuple[Any, ...], list[_Figure]] = defaultdict(list)
    for figure in unique.values():
        by_subject[figure.subject].append(figure)
    for figure in unique.values():
        disagrees = any(
            _Result(other.value, other.rank, "", "").conflicts(figure.value, figure.rank)
            for other in by_subject[figure.subject]
        )
        _upsert(
            report,
            PublishedFigure,
            {
                "index": figure.index,
                "year": figure.year,
                "unit": figure.unit,
                "measure": figure.measure,
                "source_url": figure.source_url,
                "value": figure.value,
                "rank": figure.rank,
            },
            {
                "criterion": figure.criterion,
                "max_points": figure.max_points,
                "quote": figure.quote,
                "note": figure.note,
                "disagrees": disagrees,
            },
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
    # With their history records, in bulk: the baseline of the first change made to the demo data.
    history = {"default_change_reason": DEMO_REASON, "default_date": timezone.now()}
    bulk_create_with_history(missing, Assessment, **history)
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
    bulk_create_with_history(to_create, Score, batch_size=2000, **history)
    bulk_update_with_history(to_update, Score, ["points"], batch_size=2000, **history)
    report.created["domainscore"] += len(to_create)
    report.updated["domainscore"] += len(to_update)
    _leave_baselines(report, Assessment, Assessment.objects.filter(edition__in=editions.values()))
    _leave_baselines(report, Score, Score.objects.filter(assessment__edition__in=editions.values()))
