#!/usr/bin/env bash
# Start `make run` from a clean state, fetch the home page, check it shows the ranking, stop the server.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${SMOKE_PORT:-8000}"
if (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "smoke: port $port is already in use" >&2
  exit 1
fi
rm -f var/quickstart.sqlite3
log=$(mktemp)
setsid make run PORT="$port" >"$log" 2>&1 &
pid=$!
cleanup() { kill -- -"$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
trap cleanup EXIT
page=""
for _ in $(seq 1 180); do
  if page=$(.venv/bin/python - "$port" 2>/dev/null <<'PY'
import sys
import urllib.request

with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/", timeout=5) as response:
    sys.stdout.write(response.read().decode())
PY
  ); then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then echo "smoke: make run exited" >&2; cat "$log" >&2; exit 1; fi
  sleep 1
done
if ! grep -q 'data-testid="ranking"' <<<"$page"; then
  echo "smoke: the home page does not show the ranking" >&2
  cat "$log" >&2
  exit 1
fi
grep -q "admin" "$log" || { echo "smoke: no demo admin credentials printed" >&2; exit 1; }
grep -q "http://127.0.0.1:$port/tai-khoan/dang-nhap/" "$log" || {
  echo "smoke: the login address printed is not on port $port" >&2
  exit 1
}
if [ -x .venv/bin/pytest ] && [ ! -f .venv/.installed-dev ]; then
  echo "smoke: make run installed the development tools" >&2
  exit 1
fi
rows=$(grep -c '<th scope="row">' <<<"$page" || true)
echo "smoke: home page served with $rows ranked units"
