"""Celery shells over `parindex.transfer.importing`: a job id in, one stage of the job run, a log line.

The job's state (file, status, progress, preview) lives in PostgreSQL, not in the broker, so a page can follow
it and a redelivered task (acks_late after a worker died) finds it: running a finished stage again does nothing,
a job already claimed by another run is left to it, and an import run twice finds nothing left to change.
Without Redis the task runs inline.

Limits: an import has its own soft and hard time limits (settings.IMPORT_SOFT_TIME_LIMIT, IMPORT_TIME_LIMIT), and
each prefork worker process caps its address space at settings.WORKER_MEMORY_LIMIT_MB when it starts, so that a
workbook that passed the checks but still balloons fails its job with a message (MemoryError) instead of taking
the machine. Whatever dies harder (a worker killed, the hard limit) is left "running" and failed by the sweep,
`import_jobs_sweep`, which also sends again the jobs left "pending" (twin: `manage.py sweep_import_jobs`).
"""

from __future__ import annotations

import logging
import resource
from datetime import timedelta
from typing import Any

from celery import shared_task
from celery.signals import worker_process_init
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from parindex.register.models import ImportJob
from parindex.register.outages import database_outage
from parindex.transfer import importing
from parindex.transfer.importing import import_job_run

logger = logging.getLogger(__name__)

# A job running longer than this has lost its run (the hard time limit kills it before): the sweep fails it.
IMPORT_SWEEP_AFTER = timedelta(seconds=settings.IMPORT_TIME_LIMIT + 30)
# A job pending longer than this is sent again, and one pending longer than IMPORT_GIVE_UP_AFTER is failed.
IMPORT_RESEND_AFTER = IMPORT_SWEEP_AFTER
IMPORT_GIVE_UP_AFTER = timedelta(minutes=30)


@shared_task(  # type: ignore[untyped-decorator]  # celery ships no type hints
    bind=True,
    name="parindex.import_run",
    acks_late=True,
    soft_time_limit=settings.IMPORT_SOFT_TIME_LIMIT,
    time_limit=settings.IMPORT_TIME_LIMIT,
)
def import_run(self: Any, job_id: int) -> dict[str, object]:
    """Run the current stage (preview or import) of ImportJob `job_id`."""
    # (hard, soft) as the message carries them: the sender's task options, or an override for one run.
    _hard, soft = self.request.timelimit or (None, None)
    try:
        job = ImportJob.objects.select_related("edition", "user").filter(pk=job_id).first()
        if job is None:
            logger.warning("import_run %s: no such job, nothing to do", job_id)
            return {"job": job_id, "status": "missing"}
        job = import_job_run(job, soft_time_limit=soft)
    except DatabaseError as error:
        if database_outage(error) is None:
            raise
        # The database refused even the job's own state (read-only, restarting): the job stays as it was and the
        # sweep sends it again. The connection goes, so that the next task does not reuse a read-only session.
        logger.warning("import_run %s: the database refused (%s); left for the sweep", job_id, error)
        connection.close()
        return {"job": job_id, "status": "database-unavailable"}
    logger.info(
        "import_run %s (%s, %s): %s, %d rows", job_id, job.filename, job.stage, job.status, job.total_rows
    )
    return {"job": job_id, "stage": job.stage, "status": job.status}


def _send(job_id: int) -> None:
    """Queue the task without retrying (the socket timeouts of CELERY_BROKER_TRANSPORT_OPTIONS bound the wait).
    A broker that refuses or does not answer: the job stays "pending" and the sweep sends it again; a file is
    never parsed inside the web request for want of a broker."""
    try:
        import_run.apply_async(args=[job_id], retry=False)
    except (BrokerOperationalError, RedisConnectionError, RedisTimeoutError, OSError):
        logger.warning("import_run %s: broker unreachable; left pending for the sweep", job_id, exc_info=True)


def enqueue_import(job_id: int) -> None:
    """Run the job once the current transaction commits (the worker must see the job's row)."""
    transaction.on_commit(lambda: _send(job_id), robust=True)


def sweep_import_jobs() -> importing.ImportSweep:
    """Fail the jobs whose run died, send again the ones left pending (see `importing.import_jobs_sweep`)."""
    swept = importing.import_jobs_sweep(
        running_after=IMPORT_SWEEP_AFTER,
        pending_after=IMPORT_RESEND_AFTER,
        give_up_after=IMPORT_GIVE_UP_AFTER,
    )
    for job_id in swept.to_send:
        _send(job_id)
    return swept


@shared_task(name="parindex.import_jobs_sweep")  # type: ignore[untyped-decorator]  # celery ships no type hints
def import_jobs_sweep() -> dict[str, list[int]]:
    """Every minute (CELERY_BEAT_SCHEDULE): no import job left "running" or "pending" for good."""
    swept = sweep_import_jobs()
    return {"failed": swept.failed, "sent": swept.to_send}


@shared_task(name="parindex.import_jobs_purge")  # type: ignore[untyped-decorator]  # celery ships no type hints
def import_jobs_purge() -> int:
    """Nightly (Celery beat): delete uploads older than IMPORT_JOB_RETENTION_DAYS."""
    deleted = importing.import_jobs_purge(older_than=timedelta(days=settings.IMPORT_JOB_RETENTION_DAYS))
    logger.info("import_jobs_purge: %d old uploads deleted", deleted)
    return deleted


def cap_address_space(megabytes: int) -> None:
    """Limit this process's address space (RLIMIT_AS) to `megabytes` (never above a hard limit already set):
    past it, allocations fail with MemoryError, which the import turns into a failed job with a message."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = megabytes * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


@worker_process_init.connect  # type: ignore[untyped-decorator]  # celery ships no type hints
def _cap_worker_memory(**_kwargs: Any) -> None:
    """In each prefork worker process as it starts (the solo pool has none): settings.WORKER_MEMORY_LIMIT_MB."""
    if settings.WORKER_MEMORY_LIMIT_MB:
        cap_address_space(settings.WORKER_MEMORY_LIMIT_MB)
        logger.info("worker process: address space capped at %s MB", settings.WORKER_MEMORY_LIMIT_MB)
