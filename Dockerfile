# The application image: web (gunicorn), Celery worker and beat all run from it (see docker-compose.yml).
# Debian 12 (bookworm), pinned: its postgresql-client is version 15, that of the db service (postgres:15), which
# `manage.py backup` and `restore` need (pg_dump refuses a server newer than itself).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # The source tree (templates, fixtures, static files) is the one that runs, not a copy in site-packages.
    PYTHONPATH=/app

WORKDIR /app

RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml README.md ./
COPY parindex ./parindex
COPY scoring ./scoring
COPY dashboards ./dashboards
RUN pip install .

COPY . .

# collectstatic imports the settings, which refuse to start without production variables: give it throwaway
# values that exist only during this build step.
RUN DJANGO_DEBUG=0 \
    DJANGO_SECRET_KEY=build-time-only-collectstatic-key-never-used-to-sign-anything-0123456789 \
    DJANGO_ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput -v 0

RUN useradd --system --uid 10001 --home-dir /app parindex && mkdir -p /app/var && chown -R parindex /app/var
USER parindex

EXPOSE 8000
CMD ["gunicorn", "parindex.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
