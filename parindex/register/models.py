"""The register: what is measured (indices, units, regions, criteria sets as trees) and what was entered
(editions, assessments, scores, published figures and averages, targets).

An **index** (PAR INDEX, SIPAS, PAPI, PCI, DTI, or a province's own index of its departments or communes)
measures **units** of one level. A year's results of an index are an **edition** (index, year, kind). A criteria
set (``Methodology``) belongs to an index and covers years; its criteria form a tree, domain → criterion →
sub-criterion, lower levels optional. Points are entered on the leaves; a criterion marked not applicable to a
unit drops its points and its maximum together (``parindex.register.rules``).

Integrity lives in the database as well as in the services: unique constraints, check constraints for ranges,
and on PostgreSQL triggers for rules that span tables (a score within its criterion's maximum; an edition's
criteria set of the same index and covering its year; an assessment's unit of the index's level), see
migrations 0002 and 0006. The triggers are the last guard: the services check the same rules first
(``parindex.register.rules``) and answer with a message naming the unit and the criterion.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parindex.register import rules
from parindex.register.numbers import format_number

FIRST_YEAR = 2012  # the first PAR INDEX was published for 2012
LAST_YEAR = 2100
PAR_INDEX = "PAR_INDEX"  # the code of the national PAR INDEX of provinces, the index of every existing row


class Region(models.Model):
    """A socio-economic region (vùng kinh tế - xã hội). The regions of the 34 units are not final: editable."""

    name = models.CharField(_("tên vùng"), max_length=100, unique=True)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("vùng")
        verbose_name_plural = pgettext_lazy("plural", "vùng")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the interface language (the English name where one is recorded)."""
        if self.name_en and get_language() == "en":
            return self.name_en
        return self.name


class UnitLevel(models.TextChoices):
    """The level of government a unit belongs to; an index measures units of one level."""

    PROVINCE = "province", _("Cấp tỉnh")
    DEPARTMENT = "department", _("Cấp sở, ban, ngành")
    COMMUNE = "commune", _("Cấp xã (cấp huyện đến 2025)")


class UnitKind(models.TextChoices):
    PROVINCE = "tinh", _("Tỉnh")
    CITY = "thanh_pho", _("Thành phố trực thuộc Trung ương")
    DEPARTMENT = "so_nganh", _("Sở, ban, ngành")
    DISTRICT = "huyen", _("Huyện, thị xã, thành phố thuộc tỉnh")
    COMMUNE = "xa", _("Xã")
    WARD = "phuong", _("Phường")
    SPECIAL_ZONE = "dac_khu", _("Đặc khu")


class UnitQuerySet(models.QuerySet["Unit"]):
    def valid_in_year(self, year: int) -> UnitQuerySet:
        """Units that existed during the year `year` (the 34 provincial units from 2025, the 63 before)."""
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=date(year, 12, 31)),
            Q(valid_until__isnull=True) | Q(valid_until__gte=date(year, 12, 31)),
        )

    def measured_by(self, index: Index) -> UnitQuerySet:
        """The units an index measures: its level, and for a province's own index the province's units."""
        units = self.filter(level=index.unit_level)
        if index.owner_id is not None:
            units = units.filter(parent_id=index.owner_id)
        return units


class Unit(models.Model):
    """A unit measured by an index: a province (63 until 30/6/2025, 34 from 1/7/2025), or a department or a
    commune of a province (``parent``). Versioned by its validity dates, with successions at every level.

    A year belongs to the units valid on 31 December of that year, so 2025 is the first 34-unit year.
    """

    level = models.CharField(_("cấp"), max_length=12, choices=UnitLevel.choices, default=UnitLevel.PROVINCE)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("thuộc tỉnh, thành phố"),
        help_text=_("Tỉnh, thành phố của một sở hoặc một xã; để trống với đơn vị cấp tỉnh."),
    )
    code = models.CharField(_("mã"), max_length=10)
    name = models.CharField(_("tên"), max_length=100)
    official_name = models.CharField(_("tên đầy đủ"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    kind = models.CharField(_("loại"), max_length=20, choices=UnitKind.choices)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("vùng"),
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_until = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    aliases = models.JSONField(
        _("tên gọi khác"),
        default=list,
        blank=True,
        help_text=_("Các cách viết khác của tên, ví dụ “TP.HCM”, “Thừa Thiên - Huế”."),
    )
    code_confidence = models.CharField(_("độ tin cậy của mã"), max_length=10, blank=True)
    source_url = models.URLField(_("nguồn"), max_length=500, blank=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["level", "code", "valid_from"]
        verbose_name = _("đơn vị")
        verbose_name_plural = pgettext_lazy("plural", "đơn vị")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="province_validity_ordered",
                violation_error_message=_("Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực."),
            ),
            models.CheckConstraint(condition=~Q(name=""), name="province_name_not_blank"),
            models.CheckConstraint(
                condition=Q(level=UnitLevel.PROVINCE, parent__isnull=True)
                | (~Q(level=UnitLevel.PROVINCE) & Q(parent__isnull=False)),
                name="unit_parent_by_level",
                violation_error_message=_(
                    "Đơn vị cấp tỉnh không thuộc đơn vị nào; sở và xã phải thuộc một tỉnh, thành phố."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(level=UnitLevel.PROVINCE) | Q(region__isnull=False),
                name="unit_province_has_region",
                violation_error_message=_("Đơn vị cấp tỉnh cần có vùng."),
            ),
            models.CheckConstraint(condition=Q(level__in=UnitLevel.values), name="unit_level_valid"),
        ]

    def __str__(self) -> str:
        if self.valid_from and self.valid_from.year >= 2025:
            return f"{self.name} (từ {self.valid_from:%d/%m/%Y})"
        return self.name

    def is_valid_in(self, year: int) -> bool:
        end = date(year, 12, 31)
        return (self.valid_from is None or self.valid_from <= end) and (
            self.valid_until is None or self.valid_until >= end
        )

    def clean(self) -> None:
        from_rules = unit_problem(self)
        if from_rules:
            raise ValidationError({"parent": from_rules})


def unit_problem(unit: Unit) -> str:
    """Why `unit`'s level and parent do not fit (a department or commune belongs to a province), or ""."""
    parent = unit.parent if unit.parent_id else None
    if unit.level == UnitLevel.PROVINCE:
        return str(_("Đơn vị cấp tỉnh không thuộc đơn vị nào.")) if parent is not None else ""
    if parent is None:
        return _("%(name)s: sở và xã phải thuộc một tỉnh, thành phố.") % {"name": unit.name}
    if parent.level != UnitLevel.PROVINCE:
        return _("%(name)s: đơn vị cha %(parent)s không phải là tỉnh, thành phố.") % {
            "name": unit.name,
            "parent": parent.name,
        }
    return ""


class Succession(models.Model):
    """An old unit merged into (or continued as) a new one on a date: provinces in 2025, communes too."""

    predecessor = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="successions_out", verbose_name=_("đơn vị cũ")
    )
    successor = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="successions_in", verbose_name=_("đơn vị mới")
    )
    date = models.DateField(_("ngày"))

    class Meta:
        ordering = ["successor__code", "predecessor__code"]
        verbose_name = _("kế thừa")
        verbose_name_plural = pgettext_lazy("plural", "kế thừa")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="succession_unique"),
            models.CheckConstraint(
                condition=~Q(predecessor=F("successor")),
                name="succession_not_self",
                violation_error_message=_("Một đơn vị không thể kế thừa chính nó."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor.name} → {self.successor.name}"

    def clean(self) -> None:
        if not (self.predecessor_id and self.successor_id):
            return
        problem = succession_problem(self.predecessor, self.successor)
        if problem:
            raise ValidationError(problem)


def succession_problem(predecessor: Unit, successor: Unit) -> str:
    """Why `predecessor` cannot pass to `successor` (itself, or another level), or ""."""
    if predecessor.pk is not None and predecessor.pk == successor.pk:
        return _("%(name)s không thể kế thừa chính nó.") % {"name": successor.name}
    if predecessor.level != successor.level:
        return _(
            "%(old)s (%(old_level)s) không thể được kế thừa bởi %(new)s (%(new_level)s): hai đơn vị phải cùng cấp."
        ) % {
            "old": predecessor.name,
            "old_level": predecessor.get_level_display(),
            "new": successor.name,
            "new_level": successor.get_level_display(),
        }
    return ""


class ValueKind(models.TextChoices):
    PERCENT = "percent", _("Phần trăm của điểm tối đa")
    SCORE = "score", _("Điểm số")
    RANK = "rank", _("Chỉ công bố thứ hạng")


class Index(models.Model):
    """An index that ranks units of one level: the national PAR INDEX, SIPAS, PAPI, PCI, DTI for provinces; a
    province's own PAR index for its departments or its communes (``owner``: the province that runs it)."""

    code = models.CharField(
        _("mã"),
        max_length=30,
        unique=True,
        help_text=_("Mã ngắn, không dấu, ví dụ PAR_INDEX, SIPAS."),
        error_messages={"unique": _("Mã chỉ số này đã có.")},
    )
    short_name = models.CharField(_("tên viết tắt"), max_length=40)
    name_vi = models.CharField(_("tên"), max_length=300)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=300, blank=True)
    publisher = models.CharField(_("cơ quan công bố"), max_length=300, blank=True)
    unit_level = models.CharField(_("cấp đơn vị được đánh giá"), max_length=12, choices=UnitLevel.choices)
    owner = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="own_indices",
        verbose_name=_("tỉnh, thành phố tổ chức đánh giá"),
        help_text=_("Chỉ với chỉ số riêng của một tỉnh cho các sở hoặc các xã của tỉnh."),
    )
    value_kind = models.CharField(
        _("cách đọc giá trị"), max_length=10, choices=ValueKind.choices, default=ValueKind.PERCENT
    )
    max_value = models.DecimalField(
        _("điểm tối đa của chỉ số"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Tổng điểm tối đa của bộ tiêu chí (100 với PAR INDEX); để trống nếu chưa rõ."),
    )
    higher_is_better = models.BooleanField(_("giá trị cao hơn là tốt hơn"), default=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    source_url = models.URLField(_("nguồn"), max_length=500, blank=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("chỉ số")
        verbose_name_plural = pgettext_lazy("plural", "chỉ số")
        constraints = [
            models.UniqueConstraint(
                Lower("code"),
                name="index_code_unique_any_case",
                violation_error_message=_("Mã chỉ số này đã có (không phân biệt chữ hoa, chữ thường)."),
            ),
            models.CheckConstraint(
                condition=Q(unit_level=UnitLevel.PROVINCE, owner__isnull=True)
                | (~Q(unit_level=UnitLevel.PROVINCE) & Q(owner__isnull=False)),
                name="index_owner_by_level",
                violation_error_message=_(
                    "Chỉ số cấp tỉnh không có tỉnh tổ chức; chỉ số cấp sở, cấp xã phải có tỉnh tổ chức."
                ),
            ),
            models.CheckConstraint(condition=~Q(code=""), name="index_code_not_blank"),
            models.CheckConstraint(
                condition=Q(max_value__isnull=True) | Q(max_value__gt=0), name="index_max_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.short_name

    @property
    def display_name(self) -> str:
        if self.name_en and get_language() == "en":
            return self.name_en
        return self.name_vi


class Methodology(models.Model):
    """A criteria set (bộ tiêu chí) of one index and the years it applies to. Criteria sets are data."""

    index = models.ForeignKey(
        Index, on_delete=models.PROTECT, related_name="methodologies", verbose_name=_("chỉ số")
    )
    code = models.CharField(_("mã"), max_length=50)
    title = models.CharField(_("tên"), max_length=300)
    # Empty when our sources do not say which years the set was used for: no edition can use it until set.
    year_from = models.PositiveSmallIntegerField(
        _("áp dụng từ năm"),
        null=True,
        blank=True,
        validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)],
    )
    year_until = models.PositiveSmallIntegerField(
        _("áp dụng đến năm"),
        null=True,
        blank=True,
        validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)],
    )
    is_demo = models.BooleanField(_("minh họa (demo)"), default=False)
    note = models.TextField(_("ghi chú"), blank=True)
    source_url = models.URLField(_("nguồn"), max_length=500, blank=True)

    class Meta:
        ordering = [F("year_from").asc(nulls_first=True), "code"]
        verbose_name = _("bộ tiêu chí")
        verbose_name_plural = pgettext_lazy("plural", "bộ tiêu chí")
        constraints = [
            models.UniqueConstraint(fields=["index", "code"], name="methodology_index_code_unique"),
            models.CheckConstraint(
                condition=Q(year_until__isnull=True)
                | Q(year_from__isnull=True)
                | Q(year_until__gte=F("year_from")),
                name="methodology_years_ordered",
                violation_error_message=_("Năm kết thúc phải không nhỏ hơn năm bắt đầu."),
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def covers(self, year: int) -> bool:
        if self.year_from is None or self.year_until is None:
            return False
        return self.year_from <= year <= self.year_until


class MaxPointsStatus(models.TextChoices):
    PUBLISHED = "published", _("Đã công bố")
    UNKNOWN = "unknown", _("Chưa rõ")
    PROVISIONAL = "provisional", _("Tạm tính (demo)")


class CriterionQuerySet(models.QuerySet["Criterion"]):
    def domains(self) -> CriterionQuerySet:
        """The top level of the tree: the domains (lĩnh vực)."""
        return self.filter(level=1)


DOMAIN, CRITERION, SUB_CRITERION = 1, 2, 3


class Criterion(models.Model):
    """A node of a criteria set: a domain (level 1, lĩnh vực), a criterion (2, tiêu chí) or a sub-criterion (3,
    tiêu chí thành phần), each with its maximum points (None while unknown). ``code`` is the path of numbers,
    "2" for domain 2, "2.1.3" for its sub-criterion 3 of criterion 1. Points are entered on the leaves."""

    methodology = models.ForeignKey(
        Methodology, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("bộ tiêu chí")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("thuộc"),
    )
    level = models.PositiveSmallIntegerField(
        _("cấp"),
        default=DOMAIN,
        choices=[
            (DOMAIN, _("Lĩnh vực")),
            (CRITERION, _("Tiêu chí")),
            (SUB_CRITERION, _("Tiêu chí thành phần")),
        ],
    )
    number = models.PositiveSmallIntegerField(
        _("số thứ tự"), validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    code = models.CharField(_("mã"), max_length=20, editable=False)
    name_vi = models.CharField(_("tên"), max_length=300)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=300, blank=True)
    max_points = models.DecimalField(
        _("điểm tối đa"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(100))],
    )
    max_points_status = models.CharField(
        _("trạng thái điểm tối đa"), max_length=12, choices=MaxPointsStatus.choices
    )
    source_url = models.URLField(_("nguồn của điểm tối đa"), max_length=500, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)

    objects = CriterionQuerySet.as_manager()

    class Meta:
        ordering = ["methodology", "level", "code"]
        verbose_name = _("tiêu chí")
        verbose_name_plural = pgettext_lazy("plural", "tiêu chí")
        constraints = [
            models.UniqueConstraint(fields=["methodology", "code"], name="criterion_code_unique"),
            models.CheckConstraint(
                condition=Q(max_points__isnull=True) | Q(max_points__gt=0, max_points__lte=100),
                name="domain_max_points_range",
                violation_error_message=_("Điểm tối đa phải lớn hơn 0 và không quá 100."),
            ),
            models.CheckConstraint(condition=Q(number__gte=1, number__lte=99), name="criterion_number_range"),
            models.CheckConstraint(
                condition=Q(level=DOMAIN, parent__isnull=True) | Q(level__in=[2, 3], parent__isnull=False),
                name="criterion_parent_by_level",
                violation_error_message=_(
                    "Lĩnh vực không thuộc tiêu chí nào; tiêu chí phải thuộc một cấp trên."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.name_vi}"

    def save(self, *args: object, **kwargs: object) -> None:
        # The code is the path of numbers: derived, never typed, so it cannot disagree with the tree.
        parent = self.parent if self.parent_id else None
        self.level = parent.level + 1 if parent is not None else DOMAIN
        self.code = f"{parent.code}.{self.number}" if parent is not None else str(self.number)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def label(self) -> str:
        """How a person names it: "Lĩnh vực 3", "Tiêu chí 3.2", "Tiêu chí thành phần 3.2.1"."""
        if self.level == DOMAIN:
            return _("Lĩnh vực %(code)s") % {"code": self.code}
        if self.level == CRITERION:
            return _("Tiêu chí %(code)s") % {"code": self.code}
        return _("Tiêu chí thành phần %(code)s") % {"code": self.code}


class MethodologyPart(models.Model):
    """How a criteria set's points split between its sources (appraisal, survey, SIPAS, socio-economic impact),
    as published (par_point_split.csv)."""

    methodology = models.ForeignKey(
        Methodology, on_delete=models.CASCADE, related_name="parts", verbose_name=_("bộ tiêu chí")
    )
    key = models.CharField(_("mã"), max_length=40)
    name = models.CharField(_("tên"), max_length=300)
    max_points = models.DecimalField(_("điểm tối đa"), max_digits=5, decimal_places=2)
    status = models.CharField(_("trạng thái"), max_length=200, blank=True)
    source_url = models.URLField(_("nguồn"), max_length=500)
    quote = models.TextField(_("trích dẫn"), blank=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        ordering = ["methodology", "order"]
        verbose_name = _("phần điểm của bộ tiêu chí")
        verbose_name_plural = pgettext_lazy("plural", "phần điểm của bộ tiêu chí")
        constraints = [
            models.UniqueConstraint(fields=["methodology", "key"], name="methodology_part_unique"),
            models.CheckConstraint(condition=~Q(source_url=""), name="methodology_part_has_source"),
        ]

    def __str__(self) -> str:
        return f"{self.methodology} · {self.name}: {self.max_points}"


class EditionKind(models.TextChoices):
    OFFICIAL = "official", _("Chính thức (Bộ Nội vụ công bố)")
    SELF = "self", _("Tự đánh giá")
    DEMO = "demo", _("Minh họa (demo)")


class EditionStatus(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    PUBLISHED = "published", _("Đã công bố")


# The kinds of edition the public may read once published (the demo data labelled as such everywhere it shows).
PUBLIC_KINDS = (EditionKind.OFFICIAL, EditionKind.DEMO)


class EditionQuerySet(models.QuerySet["Edition"]):
    def public(self) -> EditionQuerySet:
        """What the public may read: published official editions, and the labelled demo data
        (`Edition.is_public` for one edition in hand)."""
        return self.filter(status=EditionStatus.PUBLISHED, kind__in=PUBLIC_KINDS)

    def of_index(self, index: Index | int) -> EditionQuerySet:
        return self.filter(index=index)


class EditionManager(models.Manager["Edition"]):
    """Editions always come with their index: an edition names itself by it ("PAR INDEX 2024")."""

    def get_queryset(self) -> EditionQuerySet:
        return EditionQuerySet(self.model, using=self._db).select_related("index")


class Edition(models.Model):
    """A year's results of one index, of one kind. Draft until an approver publishes it.

    `methodology` is empty for years whose criteria set our sources do not record (2012–2020 published totals):
    such an edition can hold published indices and ranks, not scores. When set, it belongs to the same index
    and covers the year.
    """

    index = models.ForeignKey(
        Index, on_delete=models.PROTECT, related_name="editions", verbose_name=_("chỉ số")
    )
    year = models.PositiveSmallIntegerField(
        _("năm"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    kind = models.CharField(_("loại"), max_length=10, choices=EditionKind.choices)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=EditionStatus.choices, default=EditionStatus.DRAFT
    )
    methodology = models.ForeignKey(
        Methodology,
        on_delete=models.PROTECT,
        related_name="editions",
        null=True,
        blank=True,
        verbose_name=_("bộ tiêu chí"),
    )
    source = models.CharField(_("nguồn"), max_length=300, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    published_at = models.DateTimeField(_("công bố lúc"), null=True, blank=True)
    history = HistoricalRecords(verbose_name=_("lịch sử kỳ đánh giá"))

    objects = EditionManager.from_queryset(EditionQuerySet)()

    class Meta:
        ordering = ["-year", "kind"]
        verbose_name = _("kỳ đánh giá")
        verbose_name_plural = pgettext_lazy("plural", "kỳ đánh giá")
        constraints = [
            models.UniqueConstraint(
                fields=["index", "year", "kind"],
                name="edition_index_year_kind_unique",
                violation_error_message=_("Chỉ số này đã có kỳ đánh giá năm đó, loại đó."),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=FIRST_YEAR, year__lte=LAST_YEAR), name="edition_year_range"
            ),
            models.CheckConstraint(condition=Q(kind__in=EditionKind.values), name="edition_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=EditionStatus.values), name="edition_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.index.short_name} {self.year} · {self.get_kind_display()}"

    @property
    def is_demo(self) -> bool:
        return self.kind == EditionKind.DEMO

    @property
    def is_published(self) -> bool:
        return self.status == EditionStatus.PUBLISHED

    @property
    def is_public(self) -> bool:
        """Whether the public may read it: the rule of EditionQuerySet.public, for one edition in hand."""
        return self.is_published and self.kind in PUBLIC_KINDS

    def clean(self) -> None:
        methodology = self.methodology if self.methodology_id and self.year else None
        if methodology is None:
            return
        if self.index_id and methodology.index_id != self.index_id:
            raise ValidationError(
                {
                    "methodology": _("Bộ tiêu chí %(code)s thuộc chỉ số khác, không phải %(index)s.")
                    % {"code": methodology.code, "index": self.index}
                }
            )
        if not methodology.covers(self.year):
            if methodology.year_from is None:
                raise ValidationError(
                    {
                        "methodology": _("Bộ tiêu chí %(code)s chưa có năm áp dụng.")
                        % {"code": methodology.code}
                    }
                )
            raise ValidationError(
                {
                    "year": _(
                        "Năm %(year)s nằm ngoài các năm áp dụng của bộ tiêu chí %(code)s (%(start)s–%(end)s)."
                    )
                    % {
                        "year": self.year,
                        "code": methodology.code,
                        "start": methodology.year_from,
                        "end": methodology.year_until,
                    }
                }
            )


class Assessment(models.Model):
    """One unit's result in one edition: its scores and/or its published index and rank.

    `version` increases with every save through the services, so that two editors saving the same grid cannot
    overwrite each other silently.
    """

    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("kỳ đánh giá")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("đơn vị")
    )
    published_index = models.DecimalField(
        _("chỉ số công bố (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    published_rank = models.PositiveSmallIntegerField(
        _("thứ hạng công bố"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    source_url = models.URLField(_("nguồn"), max_length=500, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    # Why the computed rank differs from the published one (parindex.entry.results). The reason holds for the
    # two ranks it was given for: when either changes, the difference shows as not explained again, with this
    # reason as the earlier one. The history keeps every reason given.
    rank_explanation = models.CharField(_("giải thích chênh lệch thứ hạng"), max_length=500, blank=True)
    rank_explained_published = models.PositiveSmallIntegerField(
        _("thứ hạng công bố đã giải thích"), null=True, blank=True
    )
    rank_explained_computed = models.PositiveIntegerField(
        _("thứ hạng tính toán đã giải thích"), null=True, blank=True
    )
    rank_explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người giải thích"),
    )
    rank_explained_at = models.DateTimeField(_("giải thích lúc"), null=True, blank=True)
    history = HistoricalRecords(verbose_name=_("lịch sử kết quả"))

    class Meta:
        ordering = ["edition", "unit__code"]
        verbose_name = _("kết quả đánh giá")
        verbose_name_plural = pgettext_lazy("plural", "kết quả đánh giá")
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "unit"],
                name="assessment_edition_unit_unique",
                violation_error_message=_("Đơn vị này đã có kết quả trong kỳ đánh giá này."),
            ),
            models.CheckConstraint(
                condition=Q(published_index__isnull=True)
                | Q(published_index__gte=0, published_index__lte=100),
                name="assessment_index_range",
                violation_error_message=_("Chỉ số phải từ 0 đến 100."),
            ),
            models.CheckConstraint(
                condition=Q(published_rank__isnull=True) | Q(published_rank__gte=1),
                name="assessment_rank_positive",
            ),
            # A reason always names the two ranks it explains; no ranks without a reason.
            models.CheckConstraint(
                condition=Q(
                    rank_explanation="",
                    rank_explained_published__isnull=True,
                    rank_explained_computed__isnull=True,
                )
                | (
                    ~Q(rank_explanation="")
                    & Q(rank_explained_published__isnull=False, rank_explained_computed__isnull=False)
                ),
                name="assessment_rank_explanation_with_ranks",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit.name} · {self.edition}"


class Score(models.Model):
    """Points of one unit on one criterion of the edition's criteria set (a leaf of the tree: a domain entered
    as a whole, or a criterion or sub-criterion). ``not_applicable``: the criterion does not apply to the unit;
    it then has no points and its maximum is dropped from every total above it (parindex.register.rules)."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="scores", verbose_name=_("kết quả đánh giá")
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="scores", verbose_name=_("tiêu chí")
    )
    points = models.DecimalField(
        _("điểm"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    not_applicable = models.BooleanField(_("không áp dụng"), default=False)
    history = HistoricalRecords(verbose_name=_("lịch sử điểm"))

    class Meta:
        ordering = ["assessment", "criterion__code"]
        verbose_name = _("điểm")
        verbose_name_plural = pgettext_lazy("plural", "điểm")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="score_unique"),
            models.CheckConstraint(
                condition=Q(points__isnull=True) | Q(points__gte=0),
                name="domain_score_points_not_negative",
                violation_error_message=_("Điểm không được âm."),
            ),
            models.CheckConstraint(
                condition=Q(not_applicable=True, points__isnull=True)
                | Q(not_applicable=False, points__isnull=False),
                name="score_points_or_not_applicable",
                violation_error_message=_(
                    "Tiêu chí không áp dụng thì không có điểm; tiêu chí áp dụng cần có điểm."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.criterion.code}: {self.points}"

    def clean(self) -> None:
        # The one points rule (parindex.register.rules), as the grid, the import and the engine apply it.
        if not (self.assessment_id and self.criterion_id):
            return
        criterion = self.criterion
        problem = rules.points_problem(self.points, criterion.max_points, not_applicable=self.not_applicable)
        if problem is not None:
            raise ValidationError(
                {
                    "points": points_message(
                        problem, unit=self.assessment.unit, criterion=criterion, points=self.points
                    )
                }
            )


def points_message(
    problem: rules.PointsProblem, *, unit: Unit, criterion: Criterion, points: Decimal | None
) -> str:
    """The message for a refused value, naming the unit and the criterion (grid, import and admin say the same)."""
    params = {
        "unit": unit.name,
        "criterion": criterion.label,
        "value": format_number(points) if points is not None and points.is_finite() else "",
        "max": format_number(criterion.max_points) if criterion.max_points is not None else "",
    }
    messages = {
        rules.PointsProblem.NOT_FINITE: _("%(unit)s – %(criterion)s: giá trị phải là một số hữu hạn."),
        rules.PointsProblem.NEGATIVE: _("%(unit)s – %(criterion)s: điểm không được âm."),
        rules.PointsProblem.UNKNOWN_MAXIMUM: _(
            "%(unit)s – %(criterion)s chưa có điểm tối đa: quản trị viên cần nhập trước."
        ),
        rules.PointsProblem.ABOVE_MAXIMUM: _(
            "%(unit)s – %(criterion)s: điểm %(value)s vượt quá điểm tối đa %(max)s."
        ),
        rules.PointsProblem.TOO_MANY_DECIMALS: _(
            "%(unit)s – %(criterion)s: điểm có tối đa hai chữ số thập phân."
        ),
        rules.PointsProblem.NOT_APPLICABLE: _(
            "%(unit)s – %(criterion)s được đánh dấu không áp dụng cho đơn vị này: không nhập điểm "
            "(bỏ đánh dấu trước nếu tiêu chí có áp dụng)."
        ),
    }
    return messages[problem] % params


def tree_message(issue: rules.TreeIssue, *, index: Index | None) -> str:
    """The message for maxima that cannot hold together (``rules.tree_problems``), naming the criterion whose
    children exceed it, or the index: the admin's criteria-set pages and the maxima page say the same."""
    params = {"total": format_number(issue.total), "max": format_number(issue.maximum)}
    if issue.code == rules.TreeProblem.ABOVE_INDEX_MAXIMUM:
        return _(
            "Tổng điểm tối đa các lĩnh vực là %(total)s, vượt điểm tối đa %(max)s của chỉ số %(index)s."
        ) % {**params, "index": index.short_name if index is not None else ""}
    # The level is the length of the path ("2.1" is a criterion): the label needs no stored row.
    node = Criterion(code=issue.node, level=issue.node.count(".") + 1)
    return _(
        "Tổng điểm tối đa các tiêu chí thuộc %(criterion)s là %(total)s, vượt điểm tối đa %(max)s của %(criterion)s."
    ) % {**params, "criterion": node.label}


class PublishedAverage(models.Model):
    """A national or regional average of an index as published (region empty = national)."""

    index = models.ForeignKey(
        Index, on_delete=models.PROTECT, related_name="published_averages", verbose_name=_("chỉ số")
    )
    year = models.PositiveSmallIntegerField(
        _("năm"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("vùng")
    )
    average = models.DecimalField(
        _("giá trị trung bình (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    source_url = models.URLField(_("nguồn"), max_length=500)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    class Meta:
        ordering = ["index", "year", "region__order"]
        verbose_name = _("giá trị trung bình công bố")
        verbose_name_plural = pgettext_lazy("plural", "giá trị trung bình công bố")
        constraints = [
            models.UniqueConstraint(fields=["index", "year", "region"], name="published_average_unique"),
            models.UniqueConstraint(
                fields=["index", "year"],
                condition=Q(region__isnull=True),
                name="published_national_average_unique",
            ),
            models.CheckConstraint(
                condition=Q(average__gte=0, average__lte=100), name="published_average_range"
            ),
            models.CheckConstraint(condition=~Q(source_url=""), name="published_average_has_source"),
        ]

    def __str__(self) -> str:
        return f"{self.index} {self.year} · {self.region or _('Cả nước')}: {self.average}"


class PublishedFigure(models.Model):
    """One figure as a source published it: a unit's index, rank, or a part of it (a domain's points), with the
    source and its words. Where two sources disagree both rows stay, side by side; they are never averaged.
    The edition's assessment holds the value in use; these rows say where every value came from."""

    index = models.ForeignKey(
        Index, on_delete=models.PROTECT, related_name="published_figures", verbose_name=_("chỉ số")
    )
    year = models.PositiveSmallIntegerField(
        _("năm"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="published_figures", verbose_name=_("đơn vị")
    )
    measure = models.CharField(
        _("nội dung"), max_length=300, blank=True, help_text=_("Để trống: chính chỉ số của đơn vị.")
    )
    criterion = models.ForeignKey(
        Criterion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="published_figures",
        verbose_name=_("tiêu chí"),
    )
    value = models.DecimalField(_("giá trị"), max_digits=6, decimal_places=2, null=True, blank=True)
    max_points = models.DecimalField(_("điểm tối đa"), max_digits=6, decimal_places=2, null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("thứ hạng"), null=True, blank=True)
    source_url = models.URLField(_("nguồn"), max_length=500)
    quote = models.TextField(_("trích dẫn"), blank=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    disagrees = models.BooleanField(
        _("khác nguồn khác"), default=False, help_text=_("Một nguồn khác công bố giá trị khác.")
    )

    class Meta:
        ordering = ["index", "year", "unit__code", "measure", "pk"]
        verbose_name = _("số liệu công bố")
        verbose_name_plural = pgettext_lazy("plural", "số liệu công bố")
        indexes = [models.Index(fields=["index", "year"])]
        constraints = [
            models.CheckConstraint(condition=~Q(source_url=""), name="published_figure_has_source"),
            models.CheckConstraint(
                condition=Q(value__isnull=False) | Q(rank__isnull=False), name="published_figure_has_value"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.index} {self.year} · {self.unit.name}: {self.value} (#{self.rank})"


class Target(models.Model):
    """A unit's goal on an index for a year: a rank ("top 20 by 2025"), a group, an index value, or several."""

    index = models.ForeignKey(
        Index, on_delete=models.CASCADE, related_name="targets", verbose_name=_("chỉ số")
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="targets", verbose_name=_("đơn vị"))
    year = models.PositiveSmallIntegerField(
        _("năm"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    target_rank = models.PositiveSmallIntegerField(
        _("thứ hạng mục tiêu"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    target_group = models.CharField(
        _("nhóm mục tiêu"), max_length=1, blank=True, choices=[("A", "A"), ("B", "B"), ("C", "C")]
    )
    target_index = models.DecimalField(
        _("chỉ số mục tiêu (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["unit", "index", "year"]
        verbose_name = _("mục tiêu")
        verbose_name_plural = pgettext_lazy("plural", "mục tiêu")
        constraints = [
            models.UniqueConstraint(fields=["unit", "index", "year"], name="target_unit_index_year_unique"),
            models.CheckConstraint(
                condition=Q(target_rank__isnull=False) | ~Q(target_group="") | Q(target_index__isnull=False),
                name="target_has_a_goal",
                violation_error_message=_("Cần ít nhất một mục tiêu: thứ hạng, nhóm hoặc chỉ số."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit.name} · {self.index} {self.year}"


# --- Entry: who may write what, and what happened to an edition --------------------------------------------


class EditorAssignment(models.Model):
    """An editor may write this edition: every unit (unit empty) or only this one.

    The role itself is the "editor" group (see parindex.register.permissions); an assignment only scopes it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="editor_assignments",
        verbose_name=_("người dùng"),
    )
    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="editor_assignments", verbose_name=_("kỳ đánh giá")
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="editor_assignments",
        verbose_name=_("đơn vị"),
        help_text=_("Để trống: được nhập mọi đơn vị của kỳ đánh giá."),
    )

    class Meta:
        ordering = ["edition", "user", "unit__code"]
        verbose_name = _("phân công nhập liệu")
        verbose_name_plural = pgettext_lazy("plural", "phân công nhập liệu")
        constraints = [
            models.UniqueConstraint(fields=["user", "edition", "unit"], name="editor_assignment_unique"),
            models.UniqueConstraint(
                fields=["user", "edition"],
                condition=Q(unit__isnull=True),
                name="editor_assignment_all_units_unique",
            ),
        ]

    def __str__(self) -> str:
        unit = self.unit if self.unit_id else None
        scope = unit.name if unit is not None else _("mọi đơn vị")
        return f"{self.user} · {self.edition} · {scope}"


class EditionEventKind(models.TextChoices):
    CREATED = "created", _("Tạo bản nháp")
    PUBLISHED = "published", _("Công bố")
    REOPENED = "reopened", _("Mở lại")


class EditionEvent(models.Model):
    """A step in an edition's life (created, published, reopened) with who, when and why; append-only."""

    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="events", verbose_name=_("kỳ đánh giá")
    )
    kind = models.CharField(_("sự kiện"), max_length=10, choices=EditionEventKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người thực hiện"),
    )
    reason = models.TextField(_("lý do"), blank=True)
    at = models.DateTimeField(_("thời điểm"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("sự kiện kỳ đánh giá")
        verbose_name_plural = pgettext_lazy("plural", "sự kiện kỳ đánh giá")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="reopened") | ~Q(reason=""),
                name="edition_event_reopen_has_reason",
                violation_error_message=_("Mở lại kỳ đánh giá cần có lý do."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.edition} · {self.get_kind_display()}"


class ImportJobStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ")
    RUNNING = "running", _("Đang xử lý")
    DONE = "done", _("Xong")
    FAILED = "failed", _("Lỗi")


class ImportJobStage(models.TextChoices):
    PREVIEW = "preview", _("Xem trước")
    IMPORT = "import", _("Nhập vào cơ sở dữ liệu")


class ImportJob(models.Model):
    """One uploaded spreadsheet, from preview to import (parindex.transfer.importing).

    The file is kept in the database between the preview and the confirmation (at most IMPORT_MAX_BYTES), so a
    large file can be handled by a Celery worker and the state of the job survives a restart of Redis. `stage`
    says what the job is doing (preview, then import once confirmed), `status` how far that stage got.
    """

    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="import_jobs", verbose_name=_("kỳ đánh giá")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người nhập"),
    )
    filename = models.CharField(_("tên tệp"), max_length=255)
    content = models.BinaryField(_("nội dung tệp"))
    size = models.PositiveIntegerField(_("dung lượng (byte)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    stage = models.CharField(
        _("giai đoạn"), max_length=10, choices=ImportJobStage.choices, default=ImportJobStage.PREVIEW
    )
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=ImportJobStatus.choices, default=ImportJobStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(
        _("tiến độ (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    total_rows = models.PositiveIntegerField(_("số dòng"), default=0)
    messages = models.JSONField(_("thông báo"), default=list, blank=True)
    preview = models.JSONField(_("kết quả xem trước"), default=dict, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    # When the current stage was queued or last started: the import sweep measures a job left "pending" or
    # "running" from here (the import stage starts long after the upload).
    started_at = models.DateTimeField(_("bắt đầu lúc"), null=True, blank=True)
    finished_at = models.DateTimeField(_("xong lúc"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("lần nhập tệp")
        verbose_name_plural = pgettext_lazy("plural", "lần nhập tệp")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="import_job_progress_range"),
            models.CheckConstraint(
                condition=Q(status__in=ImportJobStatus.values), name="import_job_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(stage__in=ImportJobStage.values), name="import_job_stage_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} · {self.edition}"
