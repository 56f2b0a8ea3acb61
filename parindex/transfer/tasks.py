"""Celery shells over `parindex.transfer.importing`: a job id in, one stage of the job run, a log line.

The job's state (file, status, progress, preview) lives in PostgreSQL, not in the broker, so a page can follow
it and a redelivered task (acks_late after a worker died) finds it: running a finished stage again does nothing,
and an import run twice finds nothing left to change. Without Redis the task runs inline.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from parindex.register.models import ImportJob
from parindex.transfer import importing
from parindex.transfer.importing import import_job_run

logger = logging.getLogger(__name__)


@shared_task(name="parindex.import_run", acks_late=True)  # type: ignore[untyped-decorator]  # celery ships no type hints
def import_run(job_id: int) -> dict[str, object]:
    """Run the current stage (preview or import) of ImportJob `job_id`."""
    job = ImportJob.objects.select_related("edition", "user").filter(pk=job_id).first()
    if job is None:
        logger.warning("import_run %s: no such job, nothing to do", job_id)
        return {"job": job_id, "status": "missing"}
    job = import_job_run(job)
    logger.info(
        "import_run %s (%s, %s): %s, %d rows", job_id, job.filename, job.stage, job.status, job.total_rows
    )
    return {"job": job_id, "stage": job.stage, "status": job.status}


def _send(job_id: int) -> None:
    try:
        import_run.delay(job_id)
    except (BrokerOperationalError, RedisConnectionError):
        logger.warning("import_run %s: broker unreachable, running in this process", job_id, exc_info=True)
        import_run.apply(args=[job_id])


def enqueue_import(job_id: int) -> None:
    """Run the job once the current transaction commits (the worker must see the job's row)."""
    transaction.on_commit(lambda: _send(job_id))


@shared_task(name="parindex.import_jobs_purge")  # type: ignore[untyped-decorator]  # celery ships no type hints
def import_jobs_purge() -> int:
    """Nightly (Celery beat): delete uploads older than IMPORT_JOB_RETENTION_DAYS."""
    deleted = importing.import_jobs_purge(older_than=timedelta(days=settings.IMPORT_JOB_RETENTION_DAYS))
    logger.info("import_jobs_purge: %d old uploads deleted", deleted)
    return deleted
