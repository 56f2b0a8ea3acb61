"""gunicorn's settings, read from the working folder (/app in the image) by `gunicorn parindex.wsgi`; the bind
address, workers and timeout stay on the command line (Dockerfile, docker-compose.yml).

Logs: with LOG_FORMAT=json (the default without DJANGO_DEBUG, as in settings.py) gunicorn's own lines (start,
workers, errors) and its access lines are JSON objects like the app's (parindex.logs.JsonFormatter). An access
line has the request id the app answered with (X-Request-ID), so it joins the app's lines of that request, and
remote, method, path, status, bytes and duration_ms as fields. With LOG_FORMAT=plain gunicorn keeps its own
format, with the request id at the end of each access line.
"""

import os

_json = (
    os.environ.get(
        "LOG_FORMAT",
        "plain" if os.environ.get("DJANGO_DEBUG", "").lower() in {"1", "true", "yes", "on"} else "json",
    )
    .strip()
    .lower()
    == "json"
)

access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" %({x-request-id}o)s'

if _json:
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "parindex.logs.JsonFormatter"}},
        "filters": {
            "context": {"()": "parindex.logs.ContextFilter"},
            "access": {"()": "parindex.logs.AccessLogFilter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["context"],
                "stream": "ext://sys.stdout",
            },
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["access", "context"],
                "stream": "ext://sys.stdout",
            },
        },
        "root": {"level": "INFO", "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
        },
    }
