"""Twin of the `scoring.tasks.recompute_edition` task, for a person at a terminal (after a fix of reference
data, a change of PARINDEX_MERGER_RULE, or when the worker was down)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from parindex.register.models import Edition, EditionKind
from scoring.models import EditionSummary
from scoring.services import RecomputeError, results_recompute, results_recompute_all


class Command(BaseCommand):
    help = _(
        "Tính lại kết quả (chỉ số, thứ hạng, thay đổi) của một năm hoặc của tất cả các kỳ đánh giá. "
        "Recompute the results of one year or of every edition."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument(
            "--year",
            type=int,
            help=_(
                "Năm cần tính lại; kỳ của năm sau (nếu đã tính) cũng được tính lại vì thay đổi phụ thuộc."
            ),
        )
        which.add_argument(
            "--all",
            dest="all_editions",
            action="store_true",
            help=_("Tính lại mọi kỳ đánh giá, từ năm cũ nhất."),
        )
        parser.add_argument(
            "--kind", choices=EditionKind.values, help=_("Chỉ loại kỳ này: official, self hoặc demo.")
        )

    def handle(
        self, *args: Any, year: int | None, all_editions: bool, kind: str | None, **options: Any
    ) -> None:
        if year is None and not all_editions:
            raise CommandError(_("Chưa chọn kỳ nào: dùng --year NĂM hoặc --all (có thể thêm --kind)."))
        editions = Edition.objects.order_by("year", "kind")
        if kind:
            editions = editions.filter(kind=kind)
        if year is not None:
            editions = editions.filter(year=year)
        chosen = list(editions)
        if not chosen:
            known = sorted(set(Edition.objects.values_list("year", flat=True)))
            what = _("năm %(year)s") % {"year": year} if year is not None else _("tất cả")
            if kind:
                what += f" ({kind})"
            raise CommandError(
                _("Không có kỳ đánh giá nào cho %(what)s. Các năm hiện có: %(years)s.")
                % {"what": what, "years": ", ".join(map(str, known)) or "—"}
            )

        try:
            if all_editions:
                # Oldest first in one pass: each year's changes read the year before.
                results_recompute_all(chosen)
            else:
                for edition in chosen:
                    results_recompute(edition=edition)  # cascades to the next year's changes
        except RecomputeError as error:
            where = str(error.edition) if error.edition is not None else ""
            raise CommandError(
                _("Không tính lại được %(where)s; kết quả cũ được giữ nguyên:\n%(messages)s")
                % {"where": where, "messages": "\n".join(f"- {m}" for m in error.messages)}
            ) from error

        summaries = {s.edition_id: s for s in EditionSummary.objects.filter(edition__in=chosen)}
        for edition in chosen:
            summary = summaries[edition.pk]
            self.stdout.write(
                _("%(edition)s: %(units)s/%(expected)s đơn vị, trung bình cả nước %(average)s")
                % {
                    "edition": edition,
                    "units": summary.unit_count,
                    "expected": summary.expected_units,
                    "average": summary.national_average if summary.national_average is not None else "—",
                }
            )
        self.stdout.write(
            self.style.SUCCESS(_("Đã tính lại %(count)s kỳ đánh giá.") % {"count": len(chosen)})
        )
