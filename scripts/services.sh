#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on 127.0.0.1, installing them with apt-get when they are missing.
# Used by `make test` and CI; idempotent and quiet when both already run.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then $SUDO apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

# --- PostgreSQL ---------------------------------------------------------------------------------------
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    echo "services: installing PostgreSQL"
    apt_install postgresql postgresql-client
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "services: starting PostgreSQL $version"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  pg_isready -h 127.0.0.1 -p 5432
fi
# A fresh Debian cluster asks for a password over TCP: give the postgres role the one our URLs carry.
if ! PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d postgres -tAc "select 1" >/dev/null 2>&1; then
  echo "services: setting the password of the postgres role"
  $SUDO su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\""
fi

# manage.py backup and restore (tests/ops) run PostgreSQL's client tools.
if ! command -v pg_dump >/dev/null 2>&1 || ! command -v pg_restore >/dev/null 2>&1; then
  echo "services: installing the PostgreSQL client tools"
  apt_install postgresql-client
fi

# --- Redis --------------------------------------------------------------------------------------------
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "services: installing Redis"
    apt_install redis-server
  fi
  echo "services: starting Redis"
  mkdir -p /tmp/parindex-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp/parindex-redis --logfile /tmp/parindex-redis/redis.log
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
  redis-cli -h 127.0.0.1 -p 6379 ping
fi

# --- Chromium for the browser tests (Debian's package; Playwright never downloads a browser here) -------
if [ "${WITH_CHROMIUM:-1}" = "1" ] && ! command -v chromium >/dev/null 2>&1; then
  echo "services: installing Chromium"
  apt_install chromium
fi
if [ "${WITH_CHROMIUM:-1}" = "1" ]; then echo "services: PostgreSQL, Redis and Chromium ready"; else echo "services: PostgreSQL and Redis ready"; fi
