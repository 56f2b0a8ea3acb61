"""Celery shells over `scoring.services`: an edition id in, a recompute, a log line.

The entry and import code calls `enqueue_recompute(edition.pk)` after every write of scores or of an edition's
status; the task runs once the write has committed. The recompute replaces an edition's results as a whole, so
running the task twice (a retry, a redelivery after a worker died under `acks_late`) gives the same rows.
Management-command twin: `manage.py recompute_results`. Whatever stays "pending" or "running" too long (a broker
that did not answer, a worker killed) is recomputed by the sweep: the beat task `scoring.results_sweep`, twin
`manage.py sweep_results`.

Where each edition's recompute stands is kept in PostgreSQL (`scoring.models.RecomputeState`): "pending" from
the write that asks for it, "running" while the task runs, then "done" (written by the recompute with its
results) or "failed" with the messages that say what to fix. The edition page shows it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError, transaction
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from parindex.register.models import Edition
from scoring.services import (
    RecomputeError,
    failure_messages,
    recompute_failed,
    recompute_requested,
    recompute_started,
    recompute_will_retry,
    results_recompute,
    results_sweep,
)

logger = logging.getLogger(__name__)

# Only errors that a later attempt can cure: the database or Redis briefly away. Bad data (RecomputeError)
# gives the same answer on every attempt, so it is logged and not retried.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError, RedisConnectionError)
MAX_RETRIES = 5
RECOMPUTE_SOFT_TIME_LIMIT = 45
RECOMPUTE_TIME_LIMIT = 55


@shared_task(  # type: ignore[untyped-decorator]  # celery ships no type hints
    bind=True,
    name="scoring.recompute_edition",
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
    acks_late=True,
    # A recompute takes seconds even at 10,000 units. Past the soft limit it is marked failed; a worker killed at
    # the hard limit leaves it "running", which the sweep takes up after SWEEP_AFTER.
    soft_time_limit=RECOMPUTE_SOFT_TIME_LIMIT,
    time_limit=RECOMPUTE_TIME_LIMIT,
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


# How long the results may wait or run before the sweep recomputes them: above the task's hard time limit
# (RECOMPUTE_TIME_LIMIT), so a run still going is never started twice.
SWEEP_AFTER = timedelta(seconds=60)

# The editions whose recompute could not be handed to the broker during the current `recompute_watch()`.
_unconfirmed: ContextVar[list[int] | None] = ContextVar("unconfirmed_recomputes", default=None)


@dataclass
class RecomputeWatch:
    """What `recompute_watch` saw: `unconfirmed`, the editions whose recompute waits for the sweep."""

    unconfirmed: list[int] = field(default_factory=list)


@contextmanager
def recompute_watch() -> Iterator[RecomputeWatch]:
    """Around a write that enqueues recomputes (a view calling a service): afterwards, `unconfirmed` names the
    editions whose task the broker did not take, so the user can be told the results are waiting."""
    watch = RecomputeWatch()
    token = _unconfirmed.set(watch.unconfirmed)
    try:
        yield watch
    finally:
        _unconfirmed.reset(token)


def _not_confirmed(edition_id: int) -> None:
    seen = _unconfirmed.get()
    if seen is not None:
        seen.append(edition_id)


def _send(edition_id: int) -> None:
    """Queue the task without retrying (the socket timeouts of CELERY_BROKER_TRANSPORT_OPTIONS bound the wait to
    a few seconds). A broker that refuses at once: compute here rather than leave stale results. One that does
    not answer in time (frozen): leave the results "pending"; the sweep recomputes them within minutes."""
    try:
        recompute_edition.apply_async(args=[edition_id], retry=False)
    except (BrokerOperationalError, RedisConnectionError, RedisTimeoutError, OSError) as error:
        if _timed_out(error):
            logger.warning(
                "recompute_edition %s: broker did not answer; left pending for the sweep",
                edition_id,
                exc_info=True,
            )
            _not_confirmed(edition_id)
            return
        logger.warning(
            "recompute_edition %s: broker unreachable, recomputing in this process", edition_id, exc_info=True
        )
        outcome = recompute_edition.apply(args=[edition_id])
        if outcome.failed():
            logger.error("recompute_edition %s failed in process: %r", edition_id, outcome.result)
            _not_confirmed(edition_id)
    except Exception:
        # Never fail the user's committed write: the pending mark is kept, the sweep will recompute.
        logger.exception("recompute_edition %s: could not be queued; left pending for the sweep", edition_id)
        _not_confirmed(edition_id)


def _timed_out(error: BaseException | None) -> bool:
    """A broker that did not answer in time (kombu wraps redis' own timeout in its OperationalError)."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, (RedisTimeoutError, TimeoutError)) or "timed out" in str(error).lower():
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def enqueue_recompute(edition_id: int) -> None:
    """Recompute edition `edition_id` once the current transaction commits (at once outside a transaction).

    Call it after every write of scores or of an edition's status. Nothing is queued if the transaction rolls
    back, and the worker never reads data that is not committed yet. The edition's results are marked "pending"
    at once, in the caller's transaction: the mark commits with the write, and is the record of the need that
    the sweep (`sweep_results`) reads when the task is lost.
    """
    recompute_requested(edition_id=edition_id)
    # robust: the write has committed by then, so a failure here must not turn the saved page into an error;
    # it is logged, and the results stay pending until the sweep.
    transaction.on_commit(lambda: _send(edition_id), robust=True)


@shared_task(name="scoring.results_sweep")  # type: ignore[untyped-decorator]  # celery ships no type hints
def results_sweep_task() -> list[int]:
    """Every minute (CELERY_BEAT_SCHEDULE): recompute the editions left pending or running too long."""
    return results_sweep(older_than=SWEEP_AFTER)
