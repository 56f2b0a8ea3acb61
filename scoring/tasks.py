"""Celery shells over `scoring.services`: an edition id in, a recompute, a log line.

The entry and import code calls `enqueue_recompute(edition.pk)` after every write of scores or of an edition's
status; the task runs once the write has committed. The recompute replaces an edition's results as a whole, so
running the task twice (a retry, a redelivery after a worker died under `acks_late`) gives the same rows.
Management-command twin: `manage.py recompute_results`.

Where each edition's recompute stands is kept in PostgreSQL (`scoring.models.RecomputeState`): "pending" from
the write that asks for it, "running" while the task runs, then "done" (written by the recompute with its
results) or "failed" with the messages that say what to fix. The edition page shows it.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError, transaction
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from parindex.register.models import Edition
from scoring.services import (
    RecomputeError,
    failure_messages,
    recompute_failed,
    recompute_requested,
    recompute_started,
    recompute_will_retry,
    results_recompute,
)

logger = logging.getLogger(__name__)

# Only errors that a later attempt can cure: the database or Redis briefly away. Bad data (RecomputeError)
# gives the same answer on every attempt, so it is logged and not retried.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError, RedisConnectionError)
MAX_RETRIES = 5


@shared_task(  # type: ignore[untyped-decorator]  # celery ships no type hints
    bind=True,
    name="scoring.recompute_edition",
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
    acks_late=True,
)
def recompute_edition(self: Any, edition_id: int) -> dict[str, object]:
    """Recompute the results of edition `edition_id` (and the next year's changes). Returns a short summary
    for the log and the eager mode: {"edition": id, "status": "ok" | "invalid" | "missing", ...}."""
    edition = Edition.objects.filter(pk=edition_id).first()
    if edition is None:
        # Deleted between the commit and the run: nothing left to compute, and retrying will not change that.
        logger.warning("recompute_edition %s: no such edition, nothing to do", edition_id)
        return {"edition": edition_id, "status": "missing"}
    answered = recompute_started(edition_id=edition_id)
    try:
        summary = results_recompute(edition=edition)
    except RecomputeError as error:
        # The data entered cannot be computed (a score above its maximum, a maximum still unknown): the
        # previous results stay as they were, and the messages say what to fix.
        logger.error(
            "recompute_edition %s (%s): not recomputed, the data needs fixing: %s",
            edition_id,
            edition,
            " | ".join(error.messages),
        )
        recompute_failed(edition_id=edition_id, answered=answered, messages=failure_messages(edition, error))
        return {"edition": edition_id, "status": "invalid", "messages": error.messages}
    except TRANSIENT_ERRORS:
        last = self.request.retries >= MAX_RETRIES
        _record_quietly(
            edition_id, answered, [_("Không kết nối được cơ sở dữ liệu hoặc Redis.")] if last else None
        )
        raise
    except Exception:
        # A fault of the program or a time limit: the page must not say "being recomputed" for ever.
        _record_quietly(
            edition_id, answered, [_("Lỗi hệ thống khi tính lại; hãy thử lại hoặc báo quản trị viên.")]
        )
        raise
    logger.info(
        "recompute_edition %s (%s): %d units, national average %s",
        edition_id,
        edition,
        summary.unit_count,
        summary.national_average,
    )
    return {"edition": edition_id, "status": "ok", "units": summary.unit_count}


def _record_quietly(edition_id: int, answered: int, messages: list[str] | None) -> None:
    """After a fault: failed with `messages`, or waiting for the automatic retry when None. The database may be
    the thing that is down, so a failure to record is logged and the task's own error goes on."""
    try:
        if messages is None:
            recompute_will_retry(edition_id=edition_id, answered=answered)
        else:
            recompute_failed(edition_id=edition_id, answered=answered, messages=messages)
    except (OperationalError, InterfaceError):
        logger.warning("recompute_edition %s: could not record the state", edition_id, exc_info=True)


def _send(edition_id: int) -> None:
    """Queue the task; when the broker cannot be reached, compute here rather than leave stale results."""
    try:
        recompute_edition.delay(edition_id)
    except (BrokerOperationalError, RedisConnectionError):
        logger.warning(
            "recompute_edition %s: broker unreachable, recomputing in this process", edition_id, exc_info=True
        )
        outcome = recompute_edition.apply(args=[edition_id])
        if outcome.failed():
            logger.error("recompute_edition %s failed in process: %r", edition_id, outcome.result)


def enqueue_recompute(edition_id: int) -> None:
    """Recompute edition `edition_id` once the current transaction commits (at once outside a transaction).

    Call it after every write of scores or of an edition's status. Nothing is queued if the transaction rolls
    back, and the worker never reads data that is not committed yet. The edition's results are marked "pending"
    at once, in the caller's transaction: the mark commits with the write.
    """
    recompute_requested(edition_id=edition_id)
    # robust: the write has committed by then, so a failure here must not turn the saved page into an error;
    # it is logged, and the results stay as they were until the next recompute.
    transaction.on_commit(lambda: _send(edition_id), robust=True)
