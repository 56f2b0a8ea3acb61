"""The Celery application. Without REDIS_URL tasks run inline (settings.CELERY_TASK_ALWAYS_EAGER).

Logging: the worker and beat keep Django's LOGGING (JSON lines in production, parindex.logs) instead of Celery's
own format, and a task logs the id of the request that queued it: the id travels in the message's headers
(before_task_publish) and is set, with the task's id and name, while the task runs (task_prerun, task_postrun).
Inline tasks run inside the request itself, which already has its id.
"""

import os
from contextvars import Token
from typing import Any

from celery import Celery
from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun
from django.conf import settings
from django.utils.log import configure_logging

from parindex import logs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")

app = Celery("parindex")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect  # type: ignore[untyped-decorator]  # celery ships no type hints
def _django_logging(**kwargs: Any) -> None:
    """A receiver here tells Celery not to set up logging itself (its own format, the root logger taken over):
    the worker's lines are then formatted and filtered like the web app's."""
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


@before_task_publish.connect  # type: ignore[untyped-decorator]  # celery ships no type hints
def _send_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """The current request id (of a web request, or of the task that queues another) into the message."""
    current = logs.request_id.get()
    if current and headers is not None:
        headers.setdefault(logs.TASK_HEADER, current)


# The context variables' previous values per running task id, restored after the task (tasks can nest inline).
_tokens: dict[str, tuple[Token[str | None], Token[str | None], Token[str | None]]] = {}


@task_prerun.connect  # type: ignore[untyped-decorator]  # celery ships no type hints
def _enter_task(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    if task_id is None or task is None:
        return
    request = task.request
    given = getattr(request, logs.TASK_HEADER, None) or (getattr(request, "headers", None) or {}).get(
        logs.TASK_HEADER
    )
    # Inline (eager) the message has no headers: the request id is already that of the running request.
    request_id = logs.sane_request_id(given) or logs.request_id.get()
    _tokens[task_id] = (
        logs.request_id.set(request_id),
        logs.task_id.set(task_id),
        logs.task_name.set(task.name),
    )


@task_postrun.connect  # type: ignore[untyped-decorator]  # celery ships no type hints
def _leave_task(task_id: str | None = None, **kwargs: Any) -> None:
    tokens = _tokens.pop(task_id or "", None)
    if tokens is None:
        return
    request_token, id_token, name_token = tokens
    logs.task_name.reset(name_token)
    logs.task_id.reset(id_token)
    logs.request_id.reset(request_token)
