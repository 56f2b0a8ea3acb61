"""The state of an edition's results as staff see it: current, being recomputed or failed, and computed ranks
that differ from the published ones.

`results_context` gives the edition page (parindex.entry.views.edition_detail) what its results section shows.
The two writes of that section are here too, each checked, atomic and audited:
- `recompute_retry`: an approver asks again for a recompute that failed (or was lost);
- `rank_explain`: an approver, or the editor of the unit, says why a computed rank differs from the published
  one. The reason holds for those two ranks only (scoring.selectors.explanation_holds).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.entry.services import CellError, EntryError
from parindex.register import permissions
from parindex.register.models import Assessment, Edition, EditionStatus, Unit
from scoring.models import RecomputeState, YearResult
from scoring.selectors import rank_differences, results_state
from scoring.tasks import enqueue_recompute

if TYPE_CHECKING:
    from parindex.register.permissions import UserLike

logger = logging.getLogger(__name__)

# The longest reason, as the database column allows: the service, the form's hint and the message say the same.
EXPLANATION_MAX_LENGTH: int = Assessment._meta.get_field("rank_explanation").max_length or 500


def results_context(request: HttpRequest, edition: Edition) -> dict[str, object]:
    """The context of templates/parindex/_edition_results.html for `edition` as `request.user` may see it.

    Queries: the state (two), the rank differences (two, when the results are complete), the user's
    assignments (one)."""
    user = request.user
    state = results_state(edition)
    differences = rank_differences(edition) if state.complete else []
    approver = permissions.can_publish(user)
    allowed = permissions.editable_units(user, edition) if differences and not approver else None
    return {
        "results_state": state,
        "rank_differences": [
            (row, approver or allowed is None or row.unit.pk in allowed) for row in differences
        ],
        "can_retry": approver and not state.waiting and not state.current,
        "explanations_locked": edition.status == EditionStatus.PUBLISHED,
    }


# --- Writes ---------------------------------------------------------------------------------------------------


def may_explain(user: UserLike, edition: Edition, unit: Unit) -> bool:
    """Approvers (and admins), and the editors assigned to the unit in this edition."""
    return permissions.can_publish(user) or permissions.can_edit(user, edition, unit=unit.pk)


def recompute_retry(*, edition: Edition, user: UserLike) -> None:
    """Ask again for the recompute of `edition` (approvers and admins). Refused with a message while one is
    waiting or running, so that two clicks never queue two recomputes; one that has waited longer than
    scoring.selectors.RECOMPUTE_STALE_AFTER counts as lost and may be asked again."""
    if not permissions.can_publish(user):
        raise PermissionDenied(_("Chỉ người phê duyệt được yêu cầu tính lại kết quả."))
    with transaction.atomic():
        # The edition's row lock makes two retries (and a save) wait for each other.
        Edition.objects.select_for_update().filter(pk=edition.pk).first()
        state = results_state(edition)
        if state.waiting:
            raise EntryError(
                [
                    CellError(
                        None,
                        "edition",
                        _(
                            "Kết quả của %(edition)s đang chờ hoặc đang được tính lại; không cần yêu cầu lần nữa."
                        )
                        % {"edition": edition},
                    )
                ]
            )
        enqueue_recompute(edition.pk)
        RecomputeState.objects.filter(edition=edition).update(
            requested_by=user if user.is_authenticated else None
        )
    logger.info("recompute of %s asked again by %s", edition, user)


def rank_explain(*, edition: Edition, unit: Unit, user: UserLike, reason: str) -> Assessment:
    """Record why `unit`'s computed rank differs from its published rank in `edition`, for the two ranks the
    results show now. Raises PermissionDenied, or EntryError (nothing written) when the edition is published,
    the reason is empty or longer than EXPLANATION_MAX_LENGTH, or there is no difference to explain."""
    if not may_explain(user, edition, unit):
        raise PermissionDenied(_("Bạn không được giải thích thứ hạng của đơn vị này."))
    reason = (reason or "").strip()
    errors: list[CellError] = []
    if not reason:
        errors.append(CellError(unit.pk, "reason", _("Cần nêu lý do chênh lệch thứ hạng.")))
    elif len(reason) > EXPLANATION_MAX_LENGTH:
        errors.append(
            CellError(
                unit.pk,
                "reason",
                _("Lý do dài tối đa %(max)s ký tự (đang có %(count)s).")
                % {"max": EXPLANATION_MAX_LENGTH, "count": len(reason)},
            )
        )
    with transaction.atomic():
        # Locked as a save locks it: a publish cannot slip between the status check and the write.
        edition = Edition.objects.select_for_update().get(pk=edition.pk)
        if edition.status == EditionStatus.PUBLISHED:
            errors.insert(
                0,
                CellError(
                    None,
                    "edition",
                    _("%(edition)s đã công bố, cần mở lại trước khi giải thích thứ hạng.")
                    % {"edition": edition},
                ),
            )
        assessment = Assessment.objects.select_for_update().filter(edition=edition, unit=unit).first()
        result = YearResult.objects.filter(edition=edition, unit=unit, rank_mismatch=True).first()
        if assessment is None or result is None or result.published_rank is None:
            errors.append(
                CellError(
                    unit.pk,
                    "row",
                    _(
                        "Thứ hạng tính toán của %(name)s không khác thứ hạng công bố (hoặc chưa so được): "
                        "không có chênh lệch để giải thích."
                    )
                    % {"name": unit.name},
                )
            )
        if errors:
            raise EntryError(errors)
        assert assessment is not None and result is not None
        assessment.rank_explanation = reason
        assessment.rank_explained_published = result.published_rank
        assessment.rank_explained_computed = result.rank
        assessment.rank_explained_by = user if user.is_authenticated else None
        assessment.rank_explained_at = timezone.now()
        # The history records who, when and the reason, like every other change of an assessment.
        assessment._history_user = user  # type: ignore[attr-defined]
        assessment._change_reason = _("Giải thích chênh lệch thứ hạng")  # type: ignore[attr-defined]
        assessment.save(
            update_fields=[
                "rank_explanation",
                "rank_explained_published",
                "rank_explained_computed",
                "rank_explained_by",
                "rank_explained_at",
            ]
        )
    return assessment
