"""Soak test (issue 11): minutes of mixed traffic against the production stack, then the data checked.

Driven by bench/soak.sh, which owns the processes (gunicorn, the Celery worker and beat, stopped by its trap);
this script does the rest, in steps the shell calls:

    soak.py env      shell assignments: the throwaway database's URLs, a free port, the Redis URL
    soak.py setup    create the throwaway database, migrate, load the fixtures and the demo data, collect the
                     static files; a draft edition (self-assessment 2025, the demo criteria, filled with the
                     demo 2025 scores), editors assigned to it; writes $SOAK_DIR/state.json
    soak.py run      warm-up, then DURATION seconds of mixed traffic at 32 connections, RSS before and after,
                     then the data checks; prints the summary, exits 1 on any error, an RSS growth above 20 %
                     or a failed check
    soak.py drop     drop the throwaway database

The traffic (32 connections in all):
- wrk, three processes on 127.0.0.1: public HTML pages (ranking, filters, domain view, unit pages, overview,
  methodology), the CSV download and the public API (/api/v1/...), with 16, 4 and 8 connections;
- SOAK_SAVERS (3) Python clients, each logged in as its own editor, each owning two units of the draft: open
  the grid, change one domain of each unit (a valid value that differs from the stored one) and save (POST with
  the CSRF token and the row versions); every save queues a recompute for the Celery worker;
- one Python client importing: every SOAK_IMPORT_EVERY (60) seconds it downloads the draft's CSV export,
  changes the points of its ten units, uploads the file, follows the preview (run by the worker), confirms,
  and follows the import to the end.

An error is any answer outside 2xx/3xx (wrk's "Non-2xx or 3xx responses" and its socket errors, timeouts
included), any answer a client did not expect (a grid save that does not redirect, a stale-edit 409, an import
that ends "failed"), and any exception of a client (timeout, refused connection).

The checks after the traffic, once the worker has drained its queue: no ImportJob left pending or running; no
recompute left pending or running; the stored scores of the clients' units equal what each client saved last
(no lost write); every edition's results (YearResult, DomainResult, RegionResult, EditionSummary) equal a clean
recompute of all editions.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from throughput import _free_port  # noqa: E402 - bench helpers, beside this file
from throwaway_db import bench_urls, recreate  # noqa: E402

PYTHON = sys.executable
PASSWORD = "soak-only-password-0123456789"  # noqa: S105 - a throwaway database's users
YEAR = 2025
SAVERS = int(os.environ.get("SOAK_SAVERS", "3"))
UNITS_PER_SAVER = 2
IMPORT_UNITS = 10
CONNECTIONS = 32
# wrk connections by traffic kind; with the Python clients (savers + the importer) they make CONNECTIONS.
WRK_SHARES = (("public pages", 16), ("CSV download", 4), ("API", 8))
GROWTH_LIMIT = 0.20
TIMEOUT = 30.0  # a Python client's request
WRK_TIMEOUT = "10s"

PUBLIC_PAGES = (
    "/xep-hang/par-index/2025/?loai=demo",
    "/xep-hang/par-index/2024/?loai=demo",
    "/xep-hang/par-index/2024/?loai=demo&vung=dong-bang-song-hong&nhom=B",
    "/xep-hang/par-index/2024/linh-vuc/?loai=demo",
    "/don-vi/ha-noi/?loai=demo",
    "/don-vi/da-nang/?loai=demo",
    "/tong-quan/?loai=demo",
    "/tong-quan/?loai=demo&nam=2024",
    "/phuong-phap/",
    "/",
)
CSV_PAGES = (
    "/xep-hang/par-index/2024/tai-ve.csv?loai=demo",
    "/xep-hang/par-index/2025/tai-ve.csv?loai=demo",
    "/xep-hang/par-index/2024/linh-vuc/tai-ve.csv?loai=demo",
)
API_PAGES = (
    "/api/v1/rankings/PAR_INDEX/2025?kind=demo",
    "/api/v1/rankings/PAR_INDEX/2024?kind=demo",
    "/api/v1/rankings/PAR_INDEX/2024?kind=demo&group=B&sort=-index",
    "/api/v1/units?year=2025",
    "/api/v1/units/ha-noi/series?kind=demo",
)
WRK_PATHS = {"public pages": PUBLIC_PAGES, "CSV download": CSV_PAGES, "API": API_PAGES}


def _state_path() -> Path:
    return Path(os.environ["SOAK_DIR"]) / "state.json"


def _load() -> tuple[float, float, float]:
    return os.getloadavg()


def _fmt_load(load: tuple[float, float, float]) -> str:
    return f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}"


# --- env, setup, drop -------------------------------------------------------------------------------------


def cmd_env() -> None:
    bench_url, maintenance, name = bench_urls("bench/soak.py", "SOAK_DATABASE_NAME", "parindex_bench_soak")
    values = {
        "SOAK_DATABASE_URL": bench_url,
        "SOAK_MAINTENANCE_URL": maintenance,
        "SOAK_DATABASE_NAME": name,
        "SOAK_PORT": str(_free_port()),
    }
    for key, value in values.items():
        print(f"{key}='{value}'")


def cmd_drop() -> None:
    recreate(os.environ["SOAK_MAINTENANCE_URL"], os.environ["SOAK_DATABASE_NAME"], drop_only=True)


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")
    import django

    django.setup()


def cmd_setup() -> None:
    recreate(os.environ["SOAK_MAINTENANCE_URL"], os.environ["SOAK_DATABASE_NAME"])
    for args in (("migrate", "--noinput"), ("load_par_data",), ("collectstatic", "--noinput")):
        started = time.perf_counter()
        subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, check=True, capture_output=True)  # noqa: S603
        print(f"  manage.py {' '.join(args)}: {time.perf_counter() - started:.1f} s")
    _django()
    from django.contrib.auth.models import User

    from parindex.entry.services import RowInput, editor_assign, par_index, scores_save
    from parindex.register.models import (
        Assessment,
        Criterion,
        Edition,
        EditionKind,
        EditionStatus,
        Unit,
    )
    from scoring.services import results_recompute

    demo = Edition.objects.get(index=par_index(), year=YEAR, kind=EditionKind.DEMO)
    draft = Edition.objects.create(
        index=par_index(),
        year=YEAR,
        kind=EditionKind.SELF,
        status=EditionStatus.DRAFT,
        methodology=demo.methodology,
        note="soak test",
    )
    admin = User.objects.create_superuser("soak-admin", password=PASSWORD)
    rows = []
    for assessment in Assessment.objects.filter(edition=demo).prefetch_related("scores__criterion"):
        points = {s.criterion.code: s.points for s in assessment.scores.all()}
        rows.append(RowInput(assessment.unit_id, None, None, points, expected_version=0))
    report = scores_save(edition=draft, rows=rows, user=admin, reason="soak: copy of the demo 2025 scores")
    results_recompute(edition=draft)
    units = list(Unit.objects.filter(assessments__edition=draft).order_by("code"))
    maxima = {
        c.code: str(c.max_points) for c in Criterion.objects.filter(methodology=demo.methodology, parent=None)
    }
    savers = []
    for number in range(SAVERS):
        user = User.objects.create_user(f"soak-editor-{number + 1}", password=PASSWORD)
        editor_assign(user=user, edition=draft)
        owned = units[number * UNITS_PER_SAVER : (number + 1) * UNITS_PER_SAVER]
        savers.append({"username": user.username, "units": [u.pk for u in owned]})
    importer = User.objects.create_user("soak-importer", password=PASSWORD)
    editor_assign(user=importer, edition=draft)
    first = SAVERS * UNITS_PER_SAVER
    imported = units[first : first + IMPORT_UNITS]
    state = {
        "edition": draft.pk,
        "maxima": maxima,
        "savers": savers,
        "importer": {"username": importer.username, "units": {u.name: u.pk for u in imported}},
        "password": PASSWORD,
    }
    _state_path().write_text(json.dumps(state, indent=1))
    print(
        f"  draft edition {draft.pk} ({draft}): {report.created} units copied from the demo {YEAR};"
        f" {SAVERS} editors × {UNITS_PER_SAVER} units, the importer {len(imported)} units"
    )


# --- Recording ----------------------------------------------------------------------------------------------


@dataclass
class Record:
    phase: str
    kind: str
    seconds: float
    ok: bool


@dataclass
class Recorder:
    phase: str = "warm-up"
    records: list[Record] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.records.append(Record(self.phase, kind, seconds, ok))
            if not ok:
                self.errors.append(f"[{self.phase}] {kind}: {detail}"[:600])


class ClientError(Exception):
    """An answer the client did not expect; already recorded."""


class Client:
    def __init__(self, base: str, recorder: Recorder, stop: threading.Event) -> None:
        import requests

        self.base = base
        self.recorder = recorder
        self.stop = stop
        self.session = requests.Session()

    def call(self, kind: str, method: str, path: str, expect: tuple[int, ...] = (200,), **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            response = self.session.request(
                method, self.base + path, timeout=TIMEOUT, allow_redirects=False, **kwargs
            )
        except Exception as error:
            self.recorder.add(kind, time.perf_counter() - started, False, f"{method} {path}: {error!r}")
            raise ClientError from error
        seconds = time.perf_counter() - started
        if response.status_code not in expect:
            text = re.sub(r"\s+", " ", response.text)[:300]
            self.recorder.add(kind, seconds, False, f"{method} {path}: HTTP {response.status_code} {text}")
            raise ClientError
        self.recorder.add(kind, seconds, True)
        return response

    def login(self, username: str, password: str) -> None:
        page = self.call("login", "GET", "/tai-khoan/dang-nhap/")
        self.call(
            "login",
            "POST",
            "/tai-khoan/dang-nhap/",
            expect=(302,),
            data={"username": username, "password": password, "csrfmiddlewaretoken": _csrf(page.text)},
        )

    def fail(self, kind: str, detail: str) -> None:
        self.recorder.add(kind, 0.0, False, detail)
        raise ClientError


def _csrf(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not found:
        raise ClientError("no CSRF token in the page")
    return found.group(1)


_INPUT = re.compile(r"<input\b[^>]*>")
_NAME = re.compile(r'\bname="(p-(\d+)-([^"]+))"')
_VALUE = re.compile(r'\bvalue="([^"]*)"')


def _grid_inputs(html: str) -> dict[int, dict[str, str]]:
    """unit id -> {key: value} of the grid's inputs (d1..d8, index, rank, version)."""
    out: dict[int, dict[str, str]] = defaultdict(dict)
    for tag in _INPUT.findall(html):
        name = _NAME.search(tag)
        if name:
            value = _VALUE.search(tag)
            out[int(name.group(2))][name.group(3)] = value.group(1) if value else ""
    return out


def _value(maximum: Decimal, turn: int, salt: int) -> Decimal:
    """A valid value between 50 % and 90 % of the maximum that moves at every turn."""
    share = Decimal(50 + (turn * 7 + salt * 13) % 40) / 100
    return (maximum * share).quantize(Decimal("0.01"))


def _decimal(text: str) -> Decimal | None:
    text = text.strip().replace(",", ".")
    return Decimal(text) if text else None


class GridSaver(threading.Thread):
    """One editor saving its own units in the grid, one domain per unit at each save."""

    def __init__(self, client: Client, state: dict[str, Any], saver: dict[str, Any], pause: float) -> None:
        super().__init__(daemon=True)
        self.client = client
        self.edition = state["edition"]
        self.maxima = {code: Decimal(m) for code, m in state["maxima"].items()}
        self.username = saver["username"]
        self.password = state["password"]
        self.units: list[int] = saver["units"]
        self.pause = pause
        self.saved: dict[int, dict[str, str]] = {}  # unit -> domain code -> points, last saved
        self.turn = 0

    def run(self) -> None:
        while not self.client.stop.is_set():
            try:
                if self.turn == 0:
                    self.client.login(self.username, self.password)
                self.save_once()
            except ClientError:
                time.sleep(1)
            self.turn += 1
            self.client.stop.wait(self.pause)

    def save_once(self) -> None:
        grid = f"/nhap-lieu/{self.edition}/bang/"
        page = self.client.call("grid page (GET)", "GET", grid)
        inputs = _grid_inputs(page.text)
        data = {"csrfmiddlewaretoken": _csrf(page.text), "don_vi": "diem"}
        code = str(self.turn % len(self.maxima) + 1)
        changed: dict[int, tuple[str, Decimal]] = {}
        for position, unit in enumerate(self.units):
            cells = inputs.get(unit)
            if not cells or "version" not in cells:
                self.client.fail("grid save (POST)", f"unit {unit} not editable in the grid")
            value = _value(self.maxima[code], self.turn, unit + position)
            if _decimal(cells.get(f"d{code}", "")) == value:
                value += Decimal("0.01") if value < self.maxima[code] else Decimal("-0.01")
            for key, text in cells.items():
                data[f"p-{unit}-{key}"] = text
            data[f"p-{unit}-d{code}"] = str(value)
            changed[unit] = (code, value)
        self.client.call("grid save (POST)", "POST", grid, expect=(302,), data=data)
        for unit, (code, value) in changed.items():
            self.saved.setdefault(unit, {})[code] = str(value)


class Importer(threading.Thread):
    """The importer: the draft's CSV export, with its units' points changed, uploaded, previewed, confirmed."""

    def __init__(self, client: Client, state: dict[str, Any], every: float) -> None:
        super().__init__(daemon=True)
        self.client = client
        self.edition = state["edition"]
        self.maxima = {code: Decimal(m) for code, m in state["maxima"].items()}
        self.username = state["importer"]["username"]
        self.password = state["password"]
        self.units: dict[str, int] = state["importer"]["units"]
        self.every = every
        self.saved: dict[int, dict[str, str]] = {}
        self.done = 0
        self.flow_seconds: list[float] = []

    def run(self) -> None:
        logged_in = False
        turn = 0
        next_start = time.monotonic() + 5
        while not self.client.stop.wait(max(0.0, next_start - time.monotonic())):
            next_start = time.monotonic() + self.every
            turn += 1
            try:
                if not logged_in:
                    self.client.login(self.username, self.password)
                    logged_in = True
                started = time.perf_counter()
                self.import_once(turn)
                self.flow_seconds.append(time.perf_counter() - started)
                self.done += 1
            except ClientError:
                pass

    def _file(self, export: str, turn: int) -> tuple[bytes, dict[int, dict[str, str]]]:
        table = list(csv.reader(io.StringIO(export.lstrip("\ufeff"))))
        header, rows = table[0], table[1:]
        columns = {n: header.index(h) for n in range(1, 9) for h in header if h.startswith(f"Lĩnh vực {n} ")}
        out_rows, values = [], {}
        for row in rows:
            unit = self.units.get(row[0])
            if unit is None:
                continue  # the savers' units and the others stay out of the file
            values[unit] = {}
            for number, column in columns.items():
                value = _value(self.maxima[str(number)], turn, unit + number)
                if _decimal(row[column]) == value:
                    value -= Decimal("0.01")
                row[column] = str(value)
                values[unit][str(number)] = str(value)
            out_rows.append(row)
        buffer = io.StringIO(newline="")
        csv.writer(buffer).writerows([header, *out_rows])
        return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"), values

    def _follow(self, job: int, stage: str) -> dict[str, Any]:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            status = self.client.call(
                f"import: {stage} status (GET)", "GET", f"/nhap-lieu/tep/viec/{job}/trang-thai/"
            )
            body = status.json()
            if body["finished"]:
                return body
            time.sleep(0.2)
        self.client.fail(f"import: {stage}", f"job {job} not finished after 120 s")
        raise AssertionError  # not reached

    def import_once(self, turn: int) -> None:
        base = f"/nhap-lieu/tep/{self.edition}"
        export = self.client.call("import: export CSV (GET)", "GET", f"{base}/xuat.csv")
        content, values = self._file(export.content.decode("utf-8"), turn)
        form = self.client.call("import: upload page (GET)", "GET", f"{base}/nhap/")
        upload = self.client.call(
            "import: upload (POST)",
            "POST",
            f"{base}/nhap/",
            expect=(302,),
            data={"csrfmiddlewaretoken": _csrf(form.text)},
            files={"file": (f"soak-{turn}.csv", content, "text/csv")},
        )
        found = re.search(r"/viec/(\d+)/", upload.headers.get("Location", ""))
        if not found:
            self.client.fail("import: upload (POST)", f"redirected to {upload.headers.get('Location')!r}")
        job = int(found.group(1))
        preview_state = self._follow(job, "preview")
        if preview_state["status"] != "done":
            self.client.fail("import: preview", f"job {job}: {preview_state}")
        preview = self.client.call("import: preview page (GET)", "GET", f"/nhap-lieu/tep/viec/{job}/")
        if f"/viec/{job}/xac-nhan/" not in preview.text:
            self.client.fail("import: preview page (GET)", f"job {job}: no confirm form")
        self.client.call(
            "import: confirm (POST)",
            "POST",
            f"/nhap-lieu/tep/viec/{job}/xac-nhan/",
            expect=(302,),
            data={"csrfmiddlewaretoken": _csrf(preview.text)},
        )
        final = self._follow(job, "import")
        if final["status"] != "done":
            self.client.fail("import: import", f"job {job}: {final}")
        self.client.call("import: done page (GET)", "GET", f"/nhap-lieu/tep/viec/{job}/", expect=(302,))
        for unit, points in values.items():
            self.saved.setdefault(unit, {}).update(points)


# --- wrk -----------------------------------------------------------------------------------------------------

LUA = """
local paths = {%s}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  position = math.random(#paths) - 1
  bad = {}
end
function request()
  position = position %% #paths + 1
  return wrk.format("GET", paths[position])
end
function response(status, headers, body)
  if status < 200 or status > 399 then bad[status] = (bad[status] or 0) + 1 end
end
function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("bad")) do
      io.write(string.format("bad-status %%d %%d\\n", status, count))
    end
  end
end
"""


@dataclass
class WrkResult:
    kind: str
    requests: int = 0
    errors: int = 0
    p50: str = "?"
    p99: str = "?"
    rate: float = 0.0
    bad: dict[int, int] = field(default_factory=dict)
    output: str = ""


def _wrk_start(kind: str, base: str, connections: int, seconds: int) -> subprocess.Popen[str]:
    script = Path(os.environ["SOAK_DIR"]) / f"wrk-{kind.replace(' ', '-')}.lua"
    script.write_text(LUA % ", ".join(json.dumps(p) for p in WRK_PATHS[kind]))
    return subprocess.Popen(  # noqa: S603 - fixed arguments, loopback target
        [
            shutil.which("wrk") or "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            f"--timeout={WRK_TIMEOUT}",
            "--latency",
            "-s",
            str(script),
            base,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wrk_result(kind: str, process: subprocess.Popen[str]) -> WrkResult:
    out, _ = process.communicate()
    result = WrkResult(kind, output=out)
    total = re.search(r"(\d+) requests in", out)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    result.requests = int(total.group(1)) if total else 0
    result.rate = float(rate.group(1)) if rate else 0.0
    result.p50 = p50.group(1) if p50 else "?"
    result.p99 = p99.group(1) if p99 else "?"
    result.errors = int(non_2xx.group(1)) if non_2xx else 0
    result.errors += sum(int(n) for n in sockets.groups()) if sockets else 0
    for status, count in re.findall(r"^bad-status (\d+) (\d+)$", out, re.MULTILINE):
        result.bad[int(status)] = result.bad.get(int(status), 0) + int(count)
    if process.returncode != 0 or not total:
        result.errors += 1
    return result


def _wrk_phase(base: str, seconds: int) -> list[WrkResult]:
    processes = [(kind, _wrk_start(kind, base, connections, seconds)) for kind, connections in WRK_SHARES]
    return [_wrk_result(kind, process) for kind, process in processes]


# --- RSS -----------------------------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss() -> dict[str, int]:
    """KiB resident, by process: the gunicorn master and its workers, the Celery worker and its pool child."""
    out: dict[str, int] = {}
    for role in ("gunicorn", "celery"):
        master = int(os.environ[f"SOAK_{role.upper()}_PID"])
        out[f"{role} {master} (master)"] = _rss_kb(master)
        for child in sorted(_children(master)):
            out[f"{role} {child}"] = _rss_kb(child)
    return out


# --- run -----------------------------------------------------------------------------------------------------


def _probe(base: str) -> None:
    for path in (*PUBLIC_PAGES, *CSV_PAGES, *API_PAGES):
        with urllib.request.urlopen(base + path, timeout=30) as response:  # noqa: S310 - our own server
            response.read()
            if response.status != 200:
                raise SystemExit(f"{path}: HTTP {response.status} before the soak")


def _pct(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def cmd_run() -> int:
    base = f"http://127.0.0.1:{os.environ['SOAK_PORT']}"
    duration = int(os.environ.get("DURATION", "600"))
    warmup = int(os.environ.get("WARMUP", "60"))
    pause = float(os.environ.get("SOAK_SAVE_PAUSE", "0.5"))
    every = float(os.environ.get("SOAK_IMPORT_EVERY", "60"))
    state = json.loads(_state_path().read_text())
    python_connections = SAVERS + 1
    assert python_connections + sum(c for _, c in WRK_SHARES) == CONNECTIONS

    _probe(base)
    load_start = _load()
    recorder = Recorder()
    stop = threading.Event()
    savers = [GridSaver(Client(base, recorder, stop), state, saver, pause) for saver in state["savers"]]
    importer = Importer(Client(base, recorder, stop), state, every)
    print(
        f"warm-up {warmup} s, then {duration} s: wrk {', '.join(f'{k} {c}' for k, c in WRK_SHARES)} connections,"
        f" {SAVERS} grid savers, 1 importer every {every:.0f} s = {CONNECTIONS} connections;"
        f" load average at the start {_fmt_load(load_start)}",
        flush=True,
    )
    for thread in (*savers, importer):
        thread.start()
    warm = _wrk_phase(base, warmup)
    rss_warm = rss()
    keys_warm, redis_warm = _redis_memory()
    load_warm = _load()
    print(
        f"after warm-up: RSS {sum(rss_warm.values()) / 1024:.1f} MiB, load {_fmt_load(load_warm)}", flush=True
    )
    recorder.phase = "soak"
    samples: list[tuple[float, int, int]] = []
    sampling = threading.Event()

    def sample() -> None:
        started = time.monotonic()
        while not sampling.wait(30):
            samples.append((time.monotonic() - started, sum(rss().values()), _redis_memory()[1]))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    soak_started = time.monotonic()
    main = _wrk_phase(base, duration)
    stop.set()
    for thread in (*savers, importer):
        thread.join(timeout=TIMEOUT + 130)
    soak_seconds = time.monotonic() - soak_started
    sampling.set()
    rss_end = rss()
    keys_end, redis_end = _redis_memory()
    load_end = _load()

    # --- summary of the traffic
    print(f"\n=== soak: {soak_seconds:.0f} s of mixed traffic at {CONNECTIONS} connections ===")
    print(f"{'kind':34} {'requests':>9} {'req/s':>7} {'errors':>6} {'p50':>9} {'p99':>9}")
    errors = 0
    for phase_name, results in (("warm-up", warm), ("soak", main)):
        for result in results:
            errors += result.errors
            if phase_name == "soak":
                print(
                    f"{'wrk: ' + result.kind:34} {result.requests:9d} {result.rate:7.1f} {result.errors:6d}"
                    f" {result.p50:>9} {result.p99:>9}"
                )
            if result.errors:
                print(f"  [{phase_name}] wrk {result.kind}: statuses {result.bad}\n{result.output}")
    by_kind: dict[str, list[Record]] = defaultdict(list)
    for record in recorder.records:
        if record.phase == "soak":
            by_kind[record.kind].append(record)
    for kind in sorted(by_kind):
        records = by_kind[kind]
        seconds = [r.seconds * 1000 for r in records]
        failed = sum(1 for r in records if not r.ok)
        print(
            f"{kind:34} {len(records):9d} {len(records) / soak_seconds:7.1f} {failed:6d}"
            f" {_pct(seconds, 0.5):7.1f}ms {_pct(seconds, 0.99):7.1f}ms"
        )
    errors += len(recorder.errors)
    for line in recorder.errors[:30]:
        print(f"  error {line}")
    if importer.flow_seconds:
        print(
            f"imports completed: {importer.done} (upload → preview → confirm → done: median"
            f" {statistics.median(importer.flow_seconds):.1f} s, max {max(importer.flow_seconds):.1f} s)"
        )
    total_requests = sum(r.requests for r in main) + sum(len(v) for v in by_kind.values())
    warm_requests = sum(r.requests for r in warm)
    print(f"requests in the soak: {total_requests:,} (warm-up: {warm_requests:,} by wrk); errors: {errors}")

    warm_kb, end_kb = sum(rss_warm.values()), sum(rss_end.values())
    growth = (end_kb - warm_kb) / warm_kb if warm_kb else 0.0
    print(
        f"RSS (gunicorn master + workers, Celery worker + pool): after warm-up {warm_kb / 1024:.1f} MiB,"
        f" at the end {end_kb / 1024:.1f} MiB, {100 * growth:+.1f} % (limit +{100 * GROWTH_LIMIT:.0f} %)"
    )
    for name in sorted(set(rss_warm) | set(rss_end)):
        print(f"  {name:32} {rss_warm.get(name, 0) / 1024:7.1f} → {rss_end.get(name, 0) / 1024:7.1f} MiB")
    redis_growth = (redis_end - redis_warm) / 2**20
    print(
        f"Redis database {os.environ['REDIS_URL']} (cache and broker): {keys_warm} keys, {redis_warm / 2**20:.1f} MiB"
        f" after warm-up; {keys_end} keys, {redis_end / 2**20:.1f} MiB at the end"
        f" ({redis_growth:+.1f} MiB, {60 * redis_growth / soak_seconds:+.1f} MiB/min)"
    )
    if samples:
        print(
            "every 30 s, RSS / Redis MiB: "
            + ", ".join(f"{t:.0f}s {kb / 1024:.0f}/{r / 2**20:.0f}" for t, kb, r in samples)
        )
    print(
        f"load average (1 / 5 / 15 min): start {_fmt_load(load_start)}, after warm-up {_fmt_load(load_warm)},"
        f" end {_fmt_load(load_end)}; {os.cpu_count()} cores"
    )

    problems = check(state, savers, importer)
    failed = errors > 0 or growth > GROWTH_LIMIT or problems
    print(
        f"\nsoak {'FAILED' if failed else 'passed'}: {errors} errors, RSS {100 * growth:+.1f} %,"
        f" {len(problems)} failed checks"
    )
    return 1 if failed else 0


# --- checks --------------------------------------------------------------------------------------------------


def _snapshot() -> dict[str, Any]:
    from scoring.models import DomainResult, EditionSummary, RegionResult, YearResult

    years = sorted(
        YearResult.objects.values_list(
            "edition_id",
            "unit_id",
            "index",
            "index_source",
            "points",
            "max_points",
            "rank",
            "published_rank",
            "region_rank",
            "group",
            "rank_change",
            "index_change",
            "change_basis",
        )
    )
    domains = sorted(
        DomainResult.objects.values_list(
            "year_result__edition_id",
            "year_result__unit_id",
            "domain_id",
            "points",
            "max_points",
            "percent",
            "rank",
        )
    )
    regions = sorted(RegionResult.objects.values_list("edition_id", "region_id", "average", "unit_count"))
    summaries = sorted(
        EditionSummary.objects.values_list(
            "edition_id",
            "national_average",
            "above_average",
            "moved_up",
            "moved_down",
            "unchanged",
            "unit_count",
            "expected_units",
            "merger_rule",
        )
    )
    return {
        "year results": years,
        "domain results": domains,
        "region results": regions,
        "summaries": summaries,
    }


def _redis() -> Any:
    import redis

    return redis.Redis.from_url(os.environ["REDIS_URL"])


def _redis_memory() -> tuple[int, int]:
    """(keys, bytes) of the soak's Redis database: MEMORY USAGE of every key (cache entries and the broker's)."""
    client = _redis()
    keys = list(client.scan_iter(count=1000))
    total = 0
    for start in range(0, len(keys), 500):
        pipe = client.pipeline(transaction=False)
        for key in keys[start : start + 500]:
            pipe.memory_usage(key)
        total += sum(n or 0 for n in pipe.execute())
    return len(keys), total


def _redis_queue() -> int:
    return int(_redis().llen("celery"))


def check(state: dict[str, Any], savers: list[GridSaver], importer: Importer) -> list[str]:
    _django()
    from parindex.register.models import Edition, ImportJob, ImportJobStatus, Score
    from scoring.models import RecomputeState, RecomputeStatus
    from scoring.services import results_recompute_all

    print("\n=== checks ===")
    problems: list[str] = []
    busy_recompute = RecomputeState.objects.filter(
        status__in=[RecomputeStatus.PENDING, RecomputeStatus.RUNNING]
    )
    busy_jobs = ImportJob.objects.filter(status__in=[ImportJobStatus.PENDING, ImportJobStatus.RUNNING])
    started = time.monotonic()
    while time.monotonic() - started < 180:
        if not busy_recompute.exists() and not busy_jobs.exists() and _redis_queue() == 0:
            break
        time.sleep(1)
    print(f"queue drained after {time.monotonic() - started:.1f} s")
    jobs = Counter(ImportJob.objects.values_list("stage", "status"))
    print(f"import jobs (stage, status): {dict(jobs)}")
    if busy_jobs.exists():
        problems.append(f"{busy_jobs.count()} import jobs left pending or running")
    if busy_recompute.exists():
        problems.append(
            f"recomputes left pending or running: {list(busy_recompute.values_list('edition_id', 'status'))}"
        )
    states = Counter(RecomputeState.objects.values_list("status", flat=True))
    print(f"recompute states: {dict(states)}")
    if states.get(RecomputeStatus.FAILED):
        problems.append(f"{states[RecomputeStatus.FAILED]} recomputes failed")

    # No lost write: each client's units hold what it saved last.
    expected: dict[int, dict[str, str]] = {}
    for client in (*savers, importer):
        for unit, points in client.saved.items():
            expected.setdefault(unit, {}).update(points)
    stored: dict[tuple[int, str], Decimal] = {
        (unit, code): points
        for unit, code, points in Score.objects.filter(assessment__edition_id=state["edition"]).values_list(
            "assessment__unit_id", "criterion__code", "points"
        )
    }
    lost = [
        f"unit {unit} domain {code}: saved {value}, stored {stored.get((unit, code))}"
        for unit, points in expected.items()
        for code, value in points.items()
        if stored.get((unit, code)) != Decimal(value)
    ]
    print(
        f"last values saved by the clients: {sum(len(p) for p in expected.values())} cells, {len(lost)} differ"
    )
    if lost:
        problems.append(f"{len(lost)} saved values not stored: {lost[:5]}")

    # The results the worker left equal a clean recompute of every edition.
    before = _snapshot()
    results_recompute_all(list(Edition.objects.order_by("year", "kind")))
    after = _snapshot()
    for name in before:
        differ = set(before[name]) ^ set(after[name])
        print(f"{name}: {len(after[name])} rows, {len(differ)} differ from a clean recompute")
        if differ or len(before[name]) != len(after[name]):
            problems.append(
                f"{name}: {len(differ)} rows differ from a clean recompute, e.g. {sorted(differ)[:3]}"
            )
    for problem in problems:
        print(f"  check failed: {problem}")
    return problems


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "env":
        cmd_env()
    elif command == "setup":
        cmd_setup()
    elif command == "drop":
        cmd_drop()
    elif command == "run":
        raise SystemExit(cmd_run())
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
