"""The register: what is measured (regions, provinces, methodologies, domains) and what was entered
(editions, assessments, domain scores, published averages, targets).

Integrity lives in the database as well as in the forms: unique constraints, check constraints for ranges,
and on PostgreSQL two triggers for rules that span tables (a domain score within its domain's maximum; an
edition year within its methodology's years), see migration 0002.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

FIRST_YEAR = 2012  # the first PAR INDEX was published for 2012
LAST_YEAR = 2100


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


class ProvinceKind(models.TextChoices):
    PROVINCE = "tinh", _("Tỉnh")
    CITY = "thanh_pho", _("Thành phố trực thuộc Trung ương")


class ProvinceQuerySet(models.QuerySet["Province"]):
    def valid_in_year(self, year: int) -> ProvinceQuerySet:
        """Units that existed during the PAR year `year` (the 34 units from 2025, the 63 before)."""
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=date(year, 12, 31)),
            Q(valid_until__isnull=True) | Q(valid_until__gte=date(year, 12, 31)),
        )


class Province(models.Model):
    """A provincial-level unit, versioned by its validity dates.

    The 63 provinces are valid until 30/6/2025, the 34 units from 1/7/2025 (Nghị quyết 202/2025/QH15). A PAR
    year belongs to the units valid on 31 December of that year, so 2025 is the first 34-unit year.
    """

    code = models.CharField(_("mã"), max_length=3)
    name = models.CharField(_("tên"), max_length=100)
    official_name = models.CharField(_("tên đầy đủ"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    kind = models.CharField(_("loại"), max_length=20, choices=ProvinceKind.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="provinces", verbose_name=_("vùng")
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

    objects = ProvinceQuerySet.as_manager()

    class Meta:
        ordering = ["code", "valid_from"]
        verbose_name = _("tỉnh, thành phố")
        verbose_name_plural = pgettext_lazy("plural", "tỉnh, thành phố")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="province_validity_ordered",
                violation_error_message=_("Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực."),
            ),
            models.CheckConstraint(condition=~Q(name=""), name="province_name_not_blank"),
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


class Succession(models.Model):
    """An old unit merged into (or continued as) a new one on a date."""

    predecessor = models.ForeignKey(
        Province, on_delete=models.CASCADE, related_name="successions_out", verbose_name=_("đơn vị cũ")
    )
    successor = models.ForeignKey(
        Province, on_delete=models.CASCADE, related_name="successions_in", verbose_name=_("đơn vị mới")
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


class Methodology(models.Model):
    """A criteria set (bộ tiêu chí) and the years it applies to. Methodologies are data, not code."""

    code = models.CharField(_("mã"), max_length=50, unique=True)
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


class Domain(models.Model):
    """A domain (lĩnh vực) of a methodology with its maximum points; the maximum may be unknown."""

    methodology = models.ForeignKey(
        Methodology, on_delete=models.CASCADE, related_name="domains", verbose_name=_("bộ tiêu chí")
    )
    number = models.PositiveSmallIntegerField(
        _("số thứ tự"), validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
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

    class Meta:
        ordering = ["methodology", "number"]
        verbose_name = _("lĩnh vực")
        verbose_name_plural = pgettext_lazy("plural", "lĩnh vực")
        constraints = [
            models.UniqueConstraint(fields=["methodology", "number"], name="domain_number_unique"),
            models.CheckConstraint(
                condition=Q(max_points__isnull=True) | Q(max_points__gt=0, max_points__lte=100),
                name="domain_max_points_range",
                violation_error_message=_("Điểm tối đa phải lớn hơn 0 và không quá 100."),
            ),
            models.CheckConstraint(condition=Q(number__gte=1, number__lte=20), name="domain_number_range"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name_vi}"


class EditionKind(models.TextChoices):
    OFFICIAL = "official", _("Chính thức (Bộ Nội vụ công bố)")
    SELF = "self", _("Tự đánh giá")
    DEMO = "demo", _("Minh họa (demo)")


class EditionStatus(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    PUBLISHED = "published", _("Đã công bố")


class EditionQuerySet(models.QuerySet["Edition"]):
    def public(self) -> EditionQuerySet:
        """What the public may read: published official editions, and the labelled demo data."""
        return self.filter(status=EditionStatus.PUBLISHED, kind__in=[EditionKind.OFFICIAL, EditionKind.DEMO])


class Edition(models.Model):
    """A year's results of one kind. Draft until an approver publishes it.

    `methodology` is empty for years whose criteria set our sources do not record (2012–2020 published totals):
    such an edition can hold published indices and ranks, not domain scores.
    """

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

    objects = EditionQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "kind"]
        verbose_name = _("kỳ đánh giá")
        verbose_name_plural = pgettext_lazy("plural", "kỳ đánh giá")
        constraints = [
            models.UniqueConstraint(fields=["year", "kind"], name="edition_year_kind_unique"),
            models.CheckConstraint(
                condition=Q(year__gte=FIRST_YEAR, year__lte=LAST_YEAR), name="edition_year_range"
            ),
            models.CheckConstraint(condition=Q(kind__in=EditionKind.values), name="edition_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=EditionStatus.values), name="edition_status_valid"),
        ]

    def __str__(self) -> str:
        return f"PAR INDEX {self.year} · {self.get_kind_display()}"

    @property
    def is_demo(self) -> bool:
        return self.kind == EditionKind.DEMO

    @property
    def is_published(self) -> bool:
        return self.status == EditionStatus.PUBLISHED

    def clean(self) -> None:
        methodology = self.methodology if self.methodology_id and self.year else None
        if methodology is not None and not methodology.covers(self.year):
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
    """One unit's result in one edition: its domain scores and/or its published index and rank.

    `version` increases with every save through the services, so that two editors saving the same grid cannot
    overwrite each other silently.
    """

    edition = models.ForeignKey(
        Edition, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("kỳ đánh giá")
    )
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("tỉnh, thành phố")
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
    history = HistoricalRecords(verbose_name=_("lịch sử kết quả"))

    class Meta:
        ordering = ["edition", "province__code"]
        verbose_name = _("kết quả đánh giá")
        verbose_name_plural = pgettext_lazy("plural", "kết quả đánh giá")
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "province"],
                name="assessment_edition_province_unique",
                violation_error_message=_("Tỉnh này đã có kết quả trong kỳ đánh giá này."),
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
        ]

    def __str__(self) -> str:
        return f"{self.province.name} · {self.edition}"


class DomainScore(models.Model):
    """Points of one unit in one domain. `not_applicable` is the maximum of the criteria that do not apply to the
    unit: it is dropped from the domain's maximum (points / applicable maximum)."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="scores", verbose_name=_("kết quả đánh giá")
    )
    domain = models.ForeignKey(
        Domain, on_delete=models.PROTECT, related_name="scores", verbose_name=_("lĩnh vực")
    )
    points = models.DecimalField(
        _("điểm"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    not_applicable = models.DecimalField(
        _("điểm tối đa không áp dụng"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    history = HistoricalRecords(verbose_name=_("lịch sử điểm"))

    class Meta:
        ordering = ["assessment", "domain__number"]
        verbose_name = _("điểm lĩnh vực")
        verbose_name_plural = pgettext_lazy("plural", "điểm lĩnh vực")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "domain"], name="domain_score_unique"),
            models.CheckConstraint(
                condition=Q(points__gte=0),
                name="domain_score_points_not_negative",
                violation_error_message=_("Điểm không được âm."),
            ),
            models.CheckConstraint(
                condition=Q(not_applicable__gte=0), name="domain_score_not_applicable_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.domain.number}: {self.points}"

    def clean(self) -> None:
        domain = self.domain
        if domain.max_points is None:
            raise ValidationError(
                _("Lĩnh vực %(domain)s chưa có điểm tối đa: quản trị viên cần nhập trước.")
                % {"domain": domain}
            )
        applicable = domain.max_points - (self.not_applicable or 0)
        if self.points is not None and self.points > applicable:
            raise ValidationError(
                {
                    "points": _("Điểm %(points)s vượt quá điểm tối đa %(max)s của lĩnh vực %(domain)s.")
                    % {"points": self.points, "max": applicable, "domain": domain.number}
                }
            )


class PublishedAverage(models.Model):
    """A national or regional average as the Ministry published it (region empty = national)."""

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
        ordering = ["year", "region__order"]
        verbose_name = _("giá trị trung bình công bố")
        verbose_name_plural = pgettext_lazy("plural", "giá trị trung bình công bố")
        constraints = [
            models.UniqueConstraint(fields=["year", "region"], name="published_average_unique"),
            models.UniqueConstraint(
                fields=["year"], condition=Q(region__isnull=True), name="published_national_average_unique"
            ),
            models.CheckConstraint(
                condition=Q(average__gte=0, average__lte=100), name="published_average_range"
            ),
            models.CheckConstraint(condition=~Q(source_url=""), name="published_average_has_source"),
        ]

    def __str__(self) -> str:
        return f"{self.year} · {self.region or _('Cả nước')}: {self.average}"


class Target(models.Model):
    """A province's goal for a year: a rank ("top 20 by 2025"), a group, or an index."""

    province = models.ForeignKey(
        Province, on_delete=models.CASCADE, related_name="targets", verbose_name=_("tỉnh, thành phố")
    )
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
        ordering = ["province", "year"]
        verbose_name = _("mục tiêu")
        verbose_name_plural = pgettext_lazy("plural", "mục tiêu")
        constraints = [
            models.UniqueConstraint(fields=["province", "year"], name="target_province_year_unique"),
            models.CheckConstraint(
                condition=Q(target_rank__isnull=False) | ~Q(target_group="") | Q(target_index__isnull=False),
                name="target_has_a_goal",
                violation_error_message=_("Cần ít nhất một mục tiêu: thứ hạng, nhóm hoặc chỉ số."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.province.name} {self.year}"


# --- Entry: who may write what, and what happened to an edition --------------------------------------------


class EditorAssignment(models.Model):
    """An editor may write this edition: every province (province empty) or only this one.

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
    province = models.ForeignKey(
        Province,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="editor_assignments",
        verbose_name=_("tỉnh, thành phố"),
        help_text=_("Để trống: được nhập mọi tỉnh, thành phố của kỳ đánh giá."),
    )

    class Meta:
        ordering = ["edition", "user", "province__code"]
        verbose_name = _("phân công nhập liệu")
        verbose_name_plural = pgettext_lazy("plural", "phân công nhập liệu")
        constraints = [
            models.UniqueConstraint(fields=["user", "edition", "province"], name="editor_assignment_unique"),
            models.UniqueConstraint(
                fields=["user", "edition"],
                condition=Q(province__isnull=True),
                name="editor_assignment_all_provinces_unique",
            ),
        ]

    def __str__(self) -> str:
        province = self.province if self.province_id else None
        scope = province.name if province is not None else _("mọi tỉnh, thành phố")
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
