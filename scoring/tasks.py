"""Celery shells over `scoring.services`: an edition id in, a recompute, a log line.

The entry and import code calls `enqueue_recompute(edition.pk)` after every write of scores or of an edition's
status; the task runs once the write has committed. The recompute replaces an edition's results as a whole, so
running the task twice (a retry, a redelivery after a worker died under `acks_late`) gives the same rows.
Management-command twin: `manage.py recompute_results`.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError, transaction
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from parindex.register.models import Edition
from scoring.services import RecomputeError, results_recompute

logger = logging.getLogger(__name__)

# Only errors that a later attempt can cure: the database or Redis briefly away. Bad data (RecomputeError)
# gives the same answer on every attempt, so it is logged and not retried.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError, RedisConnectionError)


@shared_task(  # type: ignore[untyped-decorator]  # celery ships no type hints
    name="scoring.recompute_edition",
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
)
def recompute_edition(edition_id: int) -> dict[str, object]:
    """Recompute the results of edition `edition_id` (and the next year's changes). Returns a short summary
    for the log and the eager mode: {"edition": id, "status": "ok" | "invalid" | "missing", ...}."""
    edition = Edition.objects.filter(pk=edition_id).first()
    if edition is None:
        # Deleted between the commit and the run: nothing left to compute, and retrying will not change that.
        logger.warning("recompute_edition %s: no such edition, nothing to do", edition_id)
        return {"edition": edition_id, "status": "missing"}
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
        return {"edition": edition_id, "status": "invalid", "messages": error.messages}
    logger.info(
        "recompute_edition %s (%s): %d units, national average %s",
        edition_id,
        edition,
        summary.unit_count,
        summary.national_average,
    )
    return {"edition": edition_id, "status": "ok", "units": summary.unit_count}


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
    back, and the worker never reads data that is not committed yet.
    """
    # robust: the write has committed by then, so a failure here must not turn the saved page into an error;
    # it is logged, and the results stay as they were until the next recompute.
    transaction.on_commit(lambda: _send(edition_id), robust=True)
