"""Computed results. Never edited by hand: `scoring.services.results_recompute` is their only writer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parindex.register.models import Criterion, Edition, Region, Unit


class ChangeBasis(models.TextChoices):
    SAME_UNIT = "same_unit", _("So với chính đơn vị năm trước")
    PREDECESSORS_MEAN = "predecessors_mean", _("So với trung bình các đơn vị tiền thân")
    NONE = "none", _("Không so sánh (đơn vị hợp nhất)")
    NEW_UNIT = "new_unit", _("Không có số liệu năm trước")


class MergerRule(models.TextChoices):
    NONE = "none", _("Không so sánh đơn vị hợp nhất")
    PREDECESSORS_MEAN = "predecessors_mean", _("Trung bình các đơn vị tiền thân, xếp hạng lại trong 34")


class EditionSummary(models.Model):
    """One row per computed edition: averages, counts, and how changes across the merger were computed."""

    edition = models.OneToOneField(Edition, on_delete=models.CASCADE, related_name="summary")
    national_average = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    above_average = models.PositiveIntegerField(default=0)
    moved_up = models.PositiveIntegerField(default=0)
    moved_down = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    unit_count = models.PositiveIntegerField(default=0)
    expected_units = models.PositiveIntegerField(default=0)
    complete = models.BooleanField(default=False)
    merger_rule = models.CharField(max_length=20, choices=MergerRule.choices)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("tổng hợp kỳ đánh giá")
        verbose_name_plural = pgettext_lazy("plural", "tổng hợp kỳ đánh giá")

    def __str__(self) -> str:
        return str(self.edition)


class RegionResult(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="region_results")
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    average = models.DecimalField(max_digits=5, decimal_places=2)
    unit_count = models.PositiveIntegerField()

    class Meta:
        ordering = ["edition", "region__order"]
        constraints = [models.UniqueConstraint(fields=["edition", "region"], name="region_result_unique")]

    def __str__(self) -> str:
        return f"{self.edition_id}/{self.region_id}: {self.average}"


class YearResult(models.Model):
    """A unit's computed result in an edition. Index in percent, 0–100, two decimals."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="results")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="results")
    # Empty for a unit known only by its published rank (press releases often give nothing more).
    index = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    index_source = models.CharField(max_length=10)  # computed | published | rank_only
    points = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    max_points = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    rank = models.PositiveIntegerField()
    published_rank = models.PositiveIntegerField(null=True)
    region_rank = models.PositiveIntegerField(null=True)
    group = models.CharField(max_length=1, blank=True)
    rank_change = models.IntegerField(null=True)
    index_change = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    change_basis = models.CharField(max_length=20, choices=ChangeBasis.choices)
    rank_mismatch = models.BooleanField(default=False)

    class Meta:
        ordering = ["edition", "rank", "unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "unit"], name="year_result_unique"),
            models.CheckConstraint(
                condition=Q(index__isnull=True) | Q(index__gte=0, index__lte=100),
                name="year_result_index_range",
            ),
            models.CheckConstraint(condition=Q(rank__gte=1), name="year_result_rank_positive"),
        ]
        indexes = [models.Index(fields=["unit", "edition"])]

    def __str__(self) -> str:
        return f"{self.edition_id}/{self.unit_id}: {self.index} (#{self.rank})"


class DomainResult(models.Model):
    # The unique (year_result, domain) index serves lookups by year_result; a second index would slow writes.
    year_result = models.ForeignKey(
        YearResult, on_delete=models.CASCADE, related_name="domains", db_index=False
    )
    # A domain: a criterion of the top level of the edition's criteria set.
    domain = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    points = models.DecimalField(max_digits=5, decimal_places=2)
    max_points = models.DecimalField(max_digits=5, decimal_places=2)
    percent = models.DecimalField(max_digits=5, decimal_places=2)
    rank = models.PositiveIntegerField()

    class Meta:
        ordering = ["year_result", "domain__number"]
        constraints = [
            models.UniqueConstraint(fields=["year_result", "domain"], name="domain_result_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.year_result_id}/{self.domain_id}: {self.percent}% (#{self.rank})"


class RecomputeStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ tính lại")
    RUNNING = "running", _("Đang tính lại")
    DONE = "done", _("Đã cập nhật")
    FAILED = "failed", _("Tính lại thất bại")


class RecomputeState(models.Model):
    """Where an edition's recompute stands, kept in PostgreSQL (Redis without persistence loses queued tasks).

    `scoring.tasks.enqueue_recompute` sets "pending" inside the writer's transaction (it commits with the write);
    the task sets "running", then "done" or "failed" with the messages that say what to fix. `requests` counts the
    recomputes asked for: a run marks its outcome only if no newer request came in meanwhile, so a result computed
    before the last save never shows as current. When the results were last computed is
    `EditionSummary.computed_at` (a cascade from the year before recomputes them too)."""

    edition = models.OneToOneField(Edition, on_delete=models.CASCADE, related_name="recompute_state")
    status = models.CharField(max_length=10, choices=RecomputeStatus.choices)
    requests = models.PositiveIntegerField(default=0)
    requested_at = models.DateTimeField()
    # Who asked again from the edition page (parindex.entry.results.recompute_retry); None when a write asked,
    # which its own history records.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    messages = models.JSONField(
        default=list, blank=True
    )  # why the last run failed, in the interface language

    class Meta:
        verbose_name = _("trạng thái tính lại")
        verbose_name_plural = pgettext_lazy("plural", "trạng thái tính lại")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RecomputeStatus.values), name="recompute_state_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.edition_id}: {self.status}"
