"""Page benchmarks (issue 3): the transitions dashboard and a young person's page under load.

    JOINEDUP_BENCH_DATABASE_URL=postgres:///test python -m benchmarks.pages
    JOINEDUP_BENCH_PEOPLE=20000 JOINEDUP_BENCH_SECONDS=10 ... python -m benchmarks.pages   # smaller, quicker

Skipped, with the reason printed, unless ``JOINEDUP_BENCH_DATABASE_URL`` points to PostgreSQL.
Then, on that server (local socket, trust authentication, as in CI):

1. creates a fresh database ``joinedup_bench`` (``JOINEDUP_BENCH_PAGES_DB``), migrates it and
   builds Harbourside with 100,000 young people (``joinedup demo --young-people 100000``: the
   bulk path, about a million involvements, then the stored forecast);
2. serves it with gunicorn on 127.0.0.1, three sync workers (the README's production command),
   **production settings** (``benchmarks/pages_settings.py``: DEBUG off, HTTPS-only cookies,
   HSTS; static files from the app directories, see that module), with
   ``X-Forwarded-Proto: https`` on every request as the TLS-terminating proxy would send it, and
   persistent database connections (``JOINEDUP_DB_CONN_MAX_AGE=60``);
3. signs in the demo coordinator and the CAMHS practitioner (session cookies);
4. for each page (a fresh gunicorn each time, so one page's backlog never slows the next):
   a few warm-up requests; 20 requests one at a time (the page's own cost, unloaded); then a
   fixed 50 requests a second for 20 seconds with an **open-loop** load generator (below),
   printing p50/p95/p99 latency, the achieved rate and the errors against the target
   p95 <= 250 ms. ``JOINEDUP_BENCH_SWEEP=10,20,30,40`` also runs each page at those rates, to
   find what it sustains;
5. stops gunicorn and drops the database (``JOINEDUP_BENCH_KEEP=1`` keeps it).

Why a small Python load generator rather than wrk: plain wrk is closed-loop (each connection
sends its next request only when the last one answered), so when the server slows down it
quietly sends less, and the latencies it reports leave out the time requests would have waited
("coordinated omission"). wrk2 fixes that but is not packaged in Debian. Here request *i* is
due at ``start + i / rate``; a pool of threads sends each one when it is due, and its latency is
measured **from the time it was due**, so any queueing (in the client or the server) counts. At
50 requests a second the generator itself needs a few per cent of one core.
"""

from __future__ import annotations

import contextlib
import html.parser
import http.client
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
RATE = float(os.environ.get("JOINEDUP_BENCH_RATE", "50"))
SECONDS = float(os.environ.get("JOINEDUP_BENCH_SECONDS", "20"))
PEOPLE = int(os.environ.get("JOINEDUP_BENCH_PEOPLE", "100000"))
DB_NAME = os.environ.get("JOINEDUP_BENCH_PAGES_DB", "joinedup_bench")
WORKERS = int(os.environ.get("JOINEDUP_BENCH_WORKERS", "3"))
# Optional: also drive each page at these rates (for half as long), e.g. "10,20,30,40", to find
# the rate it sustains within the target.
SWEEP = [float(rate) for rate in os.environ.get("JOINEDUP_BENCH_SWEEP", "").split(",") if rate.strip()]
TARGET_P95_MS = 250.0
SEED = 1
DEMO_PASSWORD = "lantern-quay-tide-2025"  # noqa: S105 - the published demo password (joinedup.demo.harbourside)
COORDINATOR = "coordinator@harbourside.example"
PRACTITIONER = "nurse@harbourside.example"  # Harbourside CAMHS
PRACTITIONER_AGENCY = "harbourside-camhs"
DASHBOARD_PATHS = ("/transitions/", "/young-people/transitions/")  # the first that answers 200 is used
FALLBACK_PATHS = ("/directory/", "/directory/services/")  # before the transitions pages exist
REQUEST_TIMEOUT = 10.0


# --- configuration -----------------------------------------------------------------------------


def skip_reason(environ: dict[str, str] | os._Environ = os.environ) -> str | None:
    """Why the page benchmarks cannot run here, or None when they can (and so must)."""
    url = environ.get("JOINEDUP_BENCH_DATABASE_URL", "")
    if not url:
        return "JOINEDUP_BENCH_DATABASE_URL is not set (they need PostgreSQL, e.g. postgres:///test)"
    if urllib.parse.urlsplit(url).scheme not in {"postgres", "postgresql", "pgsql"}:
        return f"JOINEDUP_BENCH_DATABASE_URL is not PostgreSQL ({urllib.parse.urlsplit(url).scheme}:)"
    return None


def database_url(url: str, name: str) -> str:
    """The same server and credentials as ``url``, another database."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _connect(url: str, **kwargs):
    import psycopg

    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    return psycopg.connect(
        dbname=urllib.parse.unquote(parts.path.lstrip("/")) or None,
        user=urllib.parse.unquote(parts.username) if parts.username else None,
        password=urllib.parse.unquote(parts.password) if parts.password else None,
        host=query.pop("host", None) or parts.hostname or None,
        port=parts.port,
        **query,
        **kwargs,
    )


def recreate_database(admin_url: str, name: str, *, create: bool = True) -> None:
    """Drop ``name`` on the server ``admin_url`` points to, and create it again (or not)."""
    from psycopg import sql

    with _connect(admin_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if create:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# --- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def joinedup(*args: str, env: dict[str, str], timeout: float = 3600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "joinedup.cli", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def environments(db_url: str, var_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(build, serve): development settings to build the demo (it refuses production), production
    settings to serve it. One field-encryption key for both."""
    from cryptography.fernet import Fernet

    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JOINEDUP_", "DATABASE_URL"))}
    base.update({"DATABASE_URL": db_url, "JOINEDUP_VAR_DIR": str(var_dir)})
    base["JOINEDUP_FIELD_KEYS"] = Fernet.generate_key().decode()
    build = base | {"DJANGO_SETTINGS_MODULE": "joinedup.config.settings.development", "JOINEDUP_DEBUG": "false"}
    serve = base | {
        "DJANGO_SETTINGS_MODULE": "benchmarks.pages_settings",  # production's, static files from the app
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "JOINEDUP_DB_CONN_MAX_AGE": "60",
        "JOINEDUP_LOG_LEVEL": "ERROR",
    }
    return build, serve


def start_gunicorn(env: dict[str, str], port: int, workers: int = WORKERS) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "joinedup.config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
        ],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- HTTP ------------------------------------------------------------------------------------------

PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


@dataclass(frozen=True)
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def request(port: int, method: str, path: str, headers: dict[str, str] | None = None, body: str = "") -> Reply:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request(method, path, body=body.encode() or None, headers=PROXY_HEADERS | (headers or {}))
        response = connection.getresponse()
        return Reply(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


def wait_until_up(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped: {process.stderr.read() if process.stderr else ''}")
        try:
            if request(port, "GET", "/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError("gunicorn did not answer /healthz within a minute")


def cookies_from(headers: Sequence[tuple[str, str]]) -> dict[str, str]:
    found = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            pair = value.split(";", 1)[0]
            key, _, val = pair.partition("=")
            found[key.strip()] = val.strip()
    return found


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


class _CsrfField(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.token = ""

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "input" and values.get("name") == "csrfmiddlewaretoken":
            self.token = values.get("value") or ""


def csrf_token(page: str) -> str:
    parser = _CsrfField()
    parser.feed(page)
    return parser.token


def sign_in(port: int, email: str, password: str = DEMO_PASSWORD) -> str:
    """Sign in through the real form; the Cookie header for the signed-in session."""
    form = request(port, "GET", "/sign-in/")
    cookies = cookies_from(form.headers)
    token = csrf_token(form.body.decode())
    body = urllib.parse.urlencode({"username": email, "password": password, "csrfmiddlewaretoken": token})
    reply = request(
        port,
        "POST",
        "/sign-in/",
        {
            "Cookie": cookie_header(cookies),
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"https://127.0.0.1:{port}",
            "Referer": f"https://127.0.0.1:{port}/sign-in/",
        },
        body,
    )
    cookies.update(cookies_from(reply.headers))
    if reply.status != 302 or not any("sessionid" in name for name in cookies):
        raise RuntimeError(f"Signing in {email} failed: HTTP {reply.status}")
    return cookie_header(cookies)


# --- what to ask for ----------------------------------------------------------------------------


def young_person_paths(refs: Sequence[str]) -> list[str]:
    return [f"/young-people/{ref}/" for ref in refs]


def first_answering(port: int, cookie: str, candidates: Sequence[str]) -> str | None:
    for path in candidates:
        if request(port, "GET", path, {"Cookie": cookie}).status == 200:
            return path
    return None


CASELOAD_SQL = """
SELECT p.ref FROM people_youngperson p
JOIN directory_agency a ON a.id = p.lead_agency_id
WHERE a.code = %s AND EXISTS (SELECT 1 FROM people_storededge e WHERE e.young_person_id = p.id)
ORDER BY p.ref LIMIT %s
"""
MACE_SQL = """
SELECT p.ref FROM people_youngperson p
WHERE EXISTS (SELECT 1 FROM people_agencyreference r JOIN directory_agency a ON a.id = r.agency_id
              WHERE r.young_person_id = p.id AND a.code = 'harbourside-scp')
  AND EXISTS (SELECT 1 FROM people_storededge e WHERE e.young_person_id = p.id)
ORDER BY p.ref LIMIT %s
"""


def caseload(db_url: str, agency: str | None, limit: int = 500) -> list[str]:
    """Refs of young people with a cliff edge that the agency's users see in full (its lead
    cases; for None, the coordinator's MACE cases)."""
    with _connect(db_url) as connection:
        rows = connection.execute(CASELOAD_SQL, (agency, limit)) if agency else connection.execute(MACE_SQL, (limit,))
        return [ref for (ref,) in rows]


def cohort_counts(db_url: str) -> dict[str, int]:
    with _connect(db_url) as connection:
        return {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
            for table in ("people_youngperson", "people_involvement", "people_storededge")
        }


# --- the open-loop load generator ----------------------------------------------------------------


@dataclass
class Phase:
    label: str
    paths: list[str]
    cookie: str
    latencies: list[float] = field(default_factory=list)  # seconds, from when each request was due
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    planned: int = 0
    sent: int = 0  # sent, or given up on because they were too late
    answered: int = 0  # responses received, whatever their status
    abandoned: bool = False
    seconds: float = 0.0


def open_loop(
    port: int,
    phase: Phase,
    *,
    rate: float = RATE,
    seconds: float = SECONDS,
    threads: int = 64,
    give_up_after: int | None = None,
    send: Callable[[int, str, dict[str, str]], int] | None = None,
) -> Phase:
    """Send ``rate`` requests a second for ``seconds``, each when it is due, cycling through the
    phase's paths; record each latency from its due time.

    Bounded in time: a request more than ``REQUEST_TIMEOUT`` late (every thread busy) is not
    sent and counts as a failure; after ``give_up_after`` failures (default: a tenth of the
    requests, at least 50) the phase is abandoned and the rest are not sent, so a server that
    cannot keep up is not buried under a backlog it would take minutes to clear."""
    total = max(1, round(rate * seconds))
    limit = give_up_after if give_up_after is not None else max(50, total // 10)
    send = send or (lambda p, path, headers: request(p, "GET", path, headers).status)
    headers = {"Cookie": phase.cookie}
    lock = threading.Lock()
    counter = iter(range(total))
    start = time.perf_counter() + 0.2

    def record(latency: float, status: int, error: str | None) -> None:
        with lock:
            phase.sent += 1
            phase.answered += status != 0
            phase.latencies.append(latency)
            if status:
                phase.statuses[status] = phase.statuses.get(status, 0) + 1
            if error:
                phase.failures.append(error)
                if len(phase.failures) >= limit:
                    phase.abandoned = True

    def worker() -> None:
        while True:
            with lock:
                index = None if phase.abandoned else next(counter, None)
            if index is None:
                return
            due = start + index / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            path = phase.paths[index % len(phase.paths)]
            if -delay > REQUEST_TIMEOUT:
                record(time.perf_counter() - due, 0, f"not sent: more than {REQUEST_TIMEOUT:g} s late")
                continue
            try:
                status = send(port, path, headers)
                error = None if status == 200 else f"HTTP {status} for {path}"
            except OSError as exc:  # refused, reset, timed out
                status, error = 0, f"{type(exc).__name__} for {path}"
            record(time.perf_counter() - due, status, error)

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(min(threads, total))]
    for thread in pool:
        thread.start()
    deadline = start + seconds + 2 * REQUEST_TIMEOUT + 5
    for thread in pool:
        thread.join(timeout=max(0.0, deadline - time.perf_counter()))
    phase.seconds = time.perf_counter() - start
    phase.planned = total
    return phase


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of the values; NaN when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Summary:
    label: str
    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    rate: float
    errors: int
    planned: int = 0
    abandoned: bool = False

    @property
    def meets_target(self) -> bool:
        return self.errors == 0 and not self.abandoned and self.p95_ms <= TARGET_P95_MS

    def line(self) -> str:
        verdict = "met" if self.meets_target else "NOT met"
        gave_up = f", ABANDONED after {self.requests} of {self.planned}" if self.abandoned else ""
        return (
            f"{self.label:<48} p50 {self.p50_ms:6.0f} ms  p95 {self.p95_ms:6.0f} ms  p99 {self.p99_ms:6.0f} ms  "
            f"{self.rate:5.1f} req/s  {self.requests} requests, {self.errors} errors{gave_up}  "
            f"(target p95 <= {TARGET_P95_MS:.0f} ms: {verdict})"
        )


def summarise(phase: Phase) -> Summary:
    ms = [value * 1000 for value in phase.latencies]
    return Summary(
        label=phase.label,
        requests=phase.sent,
        p50_ms=percentile(ms, 50),
        p95_ms=percentile(ms, 95),
        p99_ms=percentile(ms, 99),
        rate=phase.answered / phase.seconds if phase.seconds else 0.0,
        errors=len(phase.failures),
        planned=phase.planned,
        abandoned=phase.abandoned,
    )


def one_at_a_time(port: int, phase: Phase, count: int = 20) -> tuple[float, float]:
    """p50 and p95 of ``count`` requests sent one after another: the page's own cost, unloaded."""
    times = []
    for index in range(count):
        started = time.perf_counter()
        with contextlib.suppress(OSError):
            request(port, "GET", phase.paths[index % len(phase.paths)], {"Cookie": phase.cookie})
        times.append((time.perf_counter() - started) * 1000)
    return percentile(times, 50), percentile(times, 95)


def warm_up(port: int, phase: Phase, count: int = 5) -> None:
    """A few requests first, so each worker has its database connection and caches."""
    for path in phase.paths[:count]:
        with contextlib.suppress(OSError):
            request(port, "GET", path, {"Cookie": phase.cookie})


# --- the benchmark ----------------------------------------------------------------------------------


def main() -> int:
    reason = skip_reason()
    if reason:
        print(f"pages: SKIPPED, {reason}")
        return 0
    admin_url = os.environ["JOINEDUP_BENCH_DATABASE_URL"]
    db_url = database_url(admin_url, DB_NAME)
    var_dir = Path(tempfile.mkdtemp(prefix="joinedup-bench-pages-"))
    build_env, serve_env = environments(db_url, var_dir)
    server = None
    try:
        recreate_database(admin_url, DB_NAME)
        started = time.perf_counter()
        done = joinedup("migrate", "-v", "0", env=build_env)
        if done.returncode:
            raise RuntimeError(f"joinedup migrate failed:\n{done.stderr[-3000:]}")
        print(f"{'pages: create and migrate ' + DB_NAME:<48} {time.perf_counter() - started:8.1f} s")
        started = time.perf_counter()
        built = joinedup(
            "demo", "--no-serve", "--reset", "--no-migrate", "--seed", str(SEED), "--young-people", str(PEOPLE),
            env=build_env,
        )  # fmt: skip
        if built.returncode:
            raise RuntimeError(f"joinedup demo failed:\n{built.stderr[-3000:]}")
        with _connect(db_url, autocommit=True) as connection:
            # Planner statistics for the bulk-loaded tables, as autovacuum would gather them in a
            # minute or so on a default server (it is off on some CI servers): without them the
            # planner guesses, and a young person's involvements took 12 ms to read, not 0.2 ms.
            connection.execute("ANALYZE")
        counts = cohort_counts(db_url)
        print(
            f"{'pages: build the cohort (joinedup demo, bulk)':<48} {time.perf_counter() - started:8.1f} s  "
            f"{counts['people_youngperson']:,} young people, {counts['people_involvement']:,} involvements, "
            f"{counts['people_storededge']:,} stored cliff edges"
        )

        port = free_port()
        server = start_gunicorn(serve_env, port)
        wait_until_up(port, server)
        coordinator = sign_in(port, COORDINATOR)
        practitioner = sign_in(port, PRACTITIONER)
        phases = []
        dashboard = first_answering(port, practitioner, DASHBOARD_PATHS)
        if dashboard is None:
            print(
                f"pages: NOT MEASURED: the transitions dashboard ({', '.join(DASHBOARD_PATHS)}) does not answer 200 yet"
            )
            fallback = list(FALLBACK_PATHS)
            phases.append(Phase("pages: directory (stand-in), coordinator", fallback, coordinator))
        else:
            phases.append(Phase(f"pages: dashboard {dashboard}, coordinator", [dashboard], coordinator))
            phases.append(Phase(f"pages: dashboard {dashboard}, CAMHS practitioner", [dashboard], practitioner))
        refs = caseload(db_url, PRACTITIONER_AGENCY)
        mace = caseload(db_url, None)
        phases.append(Phase("pages: young person, CAMHS practitioner", young_person_paths(refs), practitioner))
        phases.append(Phase("pages: young person, coordinator (MACE cases)", young_person_paths(mace), coordinator))
        print(
            f"pages: gunicorn, {WORKERS} sync workers, production settings, 127.0.0.1:{port}; "
            f"{RATE:g} requests/s for {SECONDS:g} s per page, open loop; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        worst_ok = True
        for number, phase in enumerate(phases):
            if not phase.paths:
                print(f"{phase.label:<48} NOT MEASURED: no young people to ask for")
                worst_ok = False
                continue
            if number:
                # A fresh server for each page: a page that could not keep up leaves no backlog.
                stop(server)
                server = start_gunicorn(serve_env, port)
                wait_until_up(port, server)
            warm_up(port, phase)
            alone_p50, alone_p95 = one_at_a_time(port, phase)
            print(f"{phase.label + ', one at a time':<48} p50 {alone_p50:6.0f} ms  p95 {alone_p95:6.0f} ms")
            summary = summarise(open_loop(port, phase))
            print(summary.line())
            for failure, count in Counter(phase.failures).most_common(3):
                print(f"    {count} x {failure}")
            worst_ok = worst_ok and summary.meets_target
            for rate in SWEEP:
                stop(server)  # a fresh server for each rate, as above
                server = start_gunicorn(serve_env, port)
                wait_until_up(port, server)
                warm_up(port, phase)
                at = Phase(f"{phase.label} at {rate:g}/s", phase.paths, phase.cookie)
                print("  " + summarise(open_loop(port, at, rate=rate, seconds=SECONDS / 2)).line())
        print(
            f"pages: every page within p95 <= {TARGET_P95_MS:.0f} ms at {RATE:g} req/s: {'yes' if worst_ok else 'NO'}"
        )
        return 0
    finally:
        if server is not None:
            stop(server)
        if os.environ.get("JOINEDUP_BENCH_KEEP") != "1":
            try:
                recreate_database(admin_url, DB_NAME, create=False)
            except Exception as error:  # noqa: BLE001 - report, never hide the benchmark's own error
                print(f"pages: could not drop {DB_NAME}: {error}")
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
