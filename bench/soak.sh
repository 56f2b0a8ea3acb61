#!/usr/bin/env bash
# Soak test (issue 11): the production stack on a throwaway database, DURATION seconds (default 600) of mixed
# traffic at 32 connections after a WARMUP (default 60 s), then the data checked. See bench/soak.py and the
# "soak" section of bench/README.md.
#
#   bash bench/soak.sh                   # 10 minutes
#   DURATION=60 bash bench/soak.sh       # a short try
#
# Environment: DATABASE_URL names the PostgreSQL server (the throwaway database `parindex_bench_soak`,
# SOAK_DATABASE_NAME, is created beside it and dropped at the end); SOAK_REDIS_URL (default
# redis://127.0.0.1:6379/9) is emptied and used for the cache and the broker; GUNICORN_WORKERS (default 3, as
# docker-compose.yml runs it). Exits non-zero on any error, an RSS growth above 20 % or a failed data check.
set -euo pipefail

cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
BIN=$(dirname "$PY")
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk" >&2; exit 2; }

export DATABASE_URL=${DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/parindex}
eval "$("$PY" bench/soak.py env)"
SOAK_DIR=$(mktemp -d -t parindex-soak.XXXXXX)
export SOAK_DIR SOAK_DATABASE_URL SOAK_MAINTENANCE_URL SOAK_DATABASE_NAME SOAK_PORT
export REDIS_URL=${SOAK_REDIS_URL:-redis://127.0.0.1:6379/9}
export DATABASE_URL=$SOAK_DATABASE_URL
export DJANGO_SETTINGS_MODULE=parindex.settings
export DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-soak-only-secret-key-not-used-anywhere-else-0123456789abcdefghij}
export DJANGO_DEBUG=0 DJANGO_SECURE=0 DJANGO_ALLOWED_HOSTS=127.0.0.1 DJANGO_LOG_LEVEL=WARNING
# Every import goes through the Celery worker (preview and import), the path a large workbook takes.
export IMPORT_ASYNC_BYTES=${IMPORT_ASYNC_BYTES:-0}
WORKERS=${GUNICORN_WORKERS:-3}

PIDS=()
# shellcheck disable=SC2317  # called by the trap
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    "$PY" bench/soak.py drop || true
    # The cache entries of the run (hundreds of MB after 10 minutes: bench/README.md "soak") leave the shared Redis.
    "$PY" -c "import redis, os; redis.Redis.from_url(os.environ['REDIS_URL']).flushdb()" || true
    if [ "$status" -ne 0 ] && [ -n "${KEEP_LOGS:-}" ]; then
        echo "logs kept in $SOAK_DIR"
    else
        rm -rf "$SOAK_DIR"
    fi
    exit "$status"
}
trap cleanup EXIT INT TERM

echo "soak: $(date '+%Y-%m-%d %H:%M %Z'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (modified)'), $(nproc) cores"
echo "soak: database $SOAK_DATABASE_NAME, Redis $REDIS_URL, port $SOAK_PORT, gunicorn $WORKERS workers"
"$PY" -c "import redis, os; redis.Redis.from_url(os.environ['REDIS_URL']).flushdb()"
"$PY" bench/soak.py setup

"$BIN/gunicorn" parindex.wsgi --bind "127.0.0.1:$SOAK_PORT" --workers "$WORKERS" --timeout 60 \
    --log-level warning --error-logfile "$SOAK_DIR/gunicorn.log" >>"$SOAK_DIR/gunicorn.out" 2>&1 &
PIDS+=($!)
export SOAK_GUNICORN_PID=$!
"$BIN/celery" -A parindex worker --concurrency=1 --loglevel=WARNING --logfile "$SOAK_DIR/worker.log" \
    >>"$SOAK_DIR/worker.out" 2>&1 &
PIDS+=($!)
export SOAK_CELERY_PID=$!
"$BIN/celery" -A parindex beat --loglevel=WARNING --logfile "$SOAK_DIR/beat.log" \
    --schedule "$SOAK_DIR/celerybeat-schedule" >>"$SOAK_DIR/beat.out" 2>&1 &
PIDS+=($!)

for _ in $(seq 120); do
    curl -fsS -o /dev/null "http://127.0.0.1:$SOAK_PORT/healthz" 2>/dev/null && break
    sleep 0.5
done
curl -fsS -o /dev/null "http://127.0.0.1:$SOAK_PORT/healthz"

status=0
"$PY" bench/soak.py run || status=$?

# What the processes logged: a traceback or an error line is worth reading even when every answer was 2xx/3xx.
for log in gunicorn.log gunicorn.out worker.log worker.out beat.log beat.out; do
    file="$SOAK_DIR/$log"
    [ -f "$file" ] || continue
    count=$(grep -cE "Traceback|ERROR|CRITICAL|WORKER TIMEOUT" "$file" || true)
    echo "$log: ${count:-0} error lines"
    if [ "${count:-0}" -gt 0 ]; then
        grep -E -m 20 -A 3 "Traceback|ERROR|CRITICAL|WORKER TIMEOUT" "$file" || true
        status=1
    fi
done
exit "$status"
