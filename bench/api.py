"""Benchmark: the API's three goals on the plain DRF path, against gunicorn on loopback with PostgreSQL.

Builds a region of 2,000 schools in 40 municipalities (and a neighbour of 200 schools the key must not see)
with five years of results — 30 procedures a school a year, 300,000 results in the region — and the ШНОР
statuses of two list years; issues the region's key; starts gunicorn as the Dockerfile does (sync workers,
``--workers``, 3 by default) and measures, ``--runs`` times each:

(a) a full sync by one client: every list (municipalities, schools, procedures, results, statuses, approved
    lists) walked by its cursor at the largest page (1,000 rows), as a regional system's nightly job does;
(b) a day's changes: an import rewrites one procedure's results across the region (~1,300 rows) and deletes
    20 results (tombstones), 20 schools are edited, the statuses are recomputed; then every list is walked with
    ``updated_since`` the moment before;
(c) 10 clients without pauses, each asking 100-row pages (schools, results, statuses, at cursors spread over
    each list) for ``--seconds``: p50/p95 of a page.

Baseline, from the same server in the same run: ``/api/v1/ping/`` (the same key check, middleware and call
log) — one client's round trip, and under the same 10 clients. Prints ``uptime`` before and after: the machine
is shared.

    .venv/bin/python bench/api.py [--runs 2] [--seconds 15] [--workers 3] [--clients 10] [--reuse]

Goals (issue #18 §4): (a) ≤ 60 s; (b) ≤ 1 s; (c) p95 < 150 ms.
"""

import argparse
import datetime
import http.client
import io
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import BENCH_DATABASE, ROOT, SERVER_URL, django_on_fresh_database, free_port, wait_for_port  # noqa: E402

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
YEARS = (2021, 2022, 2023, 2024, 2025)
LIST_YEARS = (2025, 2026)
SCHOOLS, MUNICIPALITIES, NEIGHBOUR_SCHOOLS = 2000, 40, 200
PER_YEAR = 30  # procedures a school writes a year: 2,000 × 5 × 30 = 300,000 results
LISTS = ("municipalities", "schools", "procedures", "results", "flags", "approved-lists")
GOALS = {"full_sync_s": 60.0, "day_sync_s": 1.0, "page_p95_ms": 150.0}
SUBJECTS = [
    "Русский язык",
    "Математика",
    "Окружающий мир",
    "История",
    "Биология",
    "География",
    "Физика",
    "Обществознание",
    "Химия",
    "Информатика",
    "Английский язык",
    "Литература",
]
VPR = {4: 3, 5: 4, 6: 5, 7: 6, 8: 6, 10: 2, 11: 2}  # grade -> subjects written that year


def generate(seed: int = 2026) -> dict:
    from django.db import connection

    from schools.models import Municipality, Procedure, ProcedureKind, Region, School, Subject

    rng = random.Random(seed)
    region, neighbour = Region.objects.bulk_create([Region(name="Регион замера"), Region(name="Соседний")])
    municipalities = Municipality.objects.bulk_create(
        [Municipality(region=region, name=f"Муниципалитет {n:02d}") for n in range(MUNICIPALITIES)]
        + [Municipality(region=neighbour, name=f"Соседний {n}") for n in range(4)]
    )
    ours, theirs = municipalities[:MUNICIPALITIES], municipalities[MUNICIPALITIES:]
    School.objects.bulk_create(
        [
            School(municipality=ours[n % MUNICIPALITIES], code=f"r{n:05d}", name=f"Школа {n}")
            for n in range(SCHOOLS)
        ]
        + [
            School(municipality=theirs[n % 4], code=f"n{n:05d}", name=f"Школа {n}")
            for n in range(NEIGHBOUR_SCHOOLS)
        ],
        batch_size=5000,
    )
    subjects = Subject.objects.bulk_create(
        [Subject(name=name, normalized_name=name.lower()) for name in SUBJECTS]
    )
    kinds = {kind.code: kind for kind in ProcedureKind.objects.all()}
    plan = [("ВПР", grade, subject) for grade, count in VPR.items() for subject in subjects[:count]]
    plan += [("ОГЭ", 9, subject) for subject in subjects[:10]] + [
        ("ЕГЭ", 11, subject) for subject in subjects[:10]
    ]
    procedures = Procedure.objects.bulk_create(
        [Procedure(kind=kinds[k], subject=s, grade=g, year=year) for year in YEARS for k, g, s in plan]
    )
    by_year: dict[int, list[int]] = {}
    for procedure in procedures:
        by_year.setdefault(procedure.year, []).append(procedure.pk)
    rows = 0
    # Read before the COPY: no other query may run on the connection while it is open (psycopg waits for ever).
    school_ids = list(School.objects.order_by("pk").values_list("pk", flat=True))
    with connection.cursor() as cursor:
        with cursor.copy(
            "COPY schools_result (school_id, procedure_id, participants, failed, marks_3, marks_4, marks_5, "
            "mean_score, created_at, updated_at) FROM STDIN"
        ) as copy:
            buffer = io.StringIO()
            for school_id in school_ids:
                size = rng.randint(5, 120)
                weak = rng.random() < 0.05
                for year in YEARS:
                    for procedure_id in rng.sample(by_year[year], PER_YEAR):
                        n = max(1, size + rng.randint(-5, 5))
                        failed = int(n * (rng.uniform(0.1, 0.5) if weak else rng.uniform(0.0, 0.22)))
                        m3 = (n - failed) // 2
                        m4 = (n - failed - m3) // 2
                        buffer.write(
                            f"{school_id}\t{procedure_id}\t{n}\t{failed}\t{m3}\t{m4}\t{n - failed - m3 - m4}\t"
                            f"{rng.uniform(2.5, 4.8):.2f}\t{year}-06-30\t{year}-06-30\n"
                        )
                        rows += 1
                if buffer.tell() > 8_000_000:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
    return {"region": region, "results": rows}


def start_server(port: int, workers: int) -> subprocess.Popen:
    import redis

    redis.Redis.from_url(
        REDIS_URL
    ).flushdb()  # the benchmark's own Redis database (the throttle counts there)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shnor_portal.settings.local",
        "DATABASE_URL": f"{SERVER_URL}/{BENCH_DATABASE}",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "API_RATE": "1000000/min",  # the benchmark measures the server, not the limiter
        "DB_CONN_MAX_AGE": "60",
        "REDIS_URL": REDIS_URL,
    }
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn with fixed arguments, as the Dockerfile runs it
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "shnor_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    wait_for_port(port, server, "gunicorn")
    return server


class Client:
    """One keep-alive connection with the key: ``get`` returns (status, JSON body or None)."""

    def __init__(self, port: int, key: str):
        self.port, self.key = port, key
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(self, path: str) -> tuple[int, dict | None]:
        try:
            self.conn.request(
                "GET", path, headers={"Authorization": f"Api-Key {self.key}", "Accept": "application/json"}
            )
            response = self.conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            return 0, None
        return response.status, json.loads(body) if response.status == 200 else None


def local(url: str | None) -> str | None:
    return None if not url else f"{urlsplit(url).path}?{urlsplit(url).query}"


def walk(client: Client, first: str, limit: int = 0) -> tuple[int, int, list[str]]:
    """Every page of a list by its cursor (or the first ``limit``): (pages, rows, the pages' addresses)."""
    pages, rows, path, seen = 0, 0, first, []
    while path and not (limit and pages >= limit):
        status, body = client.get(path)
        if status != 200:
            raise SystemExit(f"{path}: ответ {status}")
        seen.append(path)
        pages += 1
        rows += len(body["results"])
        path = local(body.get("next"))
    return pages, rows, seen


def sync(client: Client, page_size: int, since: str = "") -> dict:
    started = time.perf_counter()
    pages = rows = 0
    for name in LISTS:
        query = f"page_size={page_size}" + (f"&updated_since={quote(since)}" if since else "")
        p, r, _seen = walk(client, f"/api/v1/{name}/?{query}")
        pages, rows = pages + p, rows + r
    return {"seconds": time.perf_counter() - started, "pages": pages, "rows": rows}


def result_cursors(region, count: int) -> list[str]:
    """Cursors (DRF's CursorPagination: base64 of ``p=<position>``) at ``count`` results spread over the region."""
    import base64

    from schools.models import Result

    ids = list(
        Result.objects.filter(school__municipality__region=region).order_by("pk").values_list("pk", flat=True)
    )
    step = max(1, len(ids) // count)
    return [base64.b64encode(f"p={pk}".encode()).decode() for pk in ids[::step][:count]]


def ping_round_trip(client: Client, calls: int = 200) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        client.get("/api/v1/ping/")
    return (time.perf_counter() - started) / calls


def run_load(port: int, key: str, paths: list[str], clients: int, seconds: float) -> dict:
    """``clients`` threads, each with its own keep-alive connection, asking random ``paths`` without pauses."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def one(seed: int) -> None:
        nonlocal errors
        rng, client, mine, bad = random.Random(seed), Client(port, key), [], 0
        while time.monotonic() < stop:
            started = time.perf_counter()
            status, _body = client.get(rng.choice(paths))
            mine.append(time.perf_counter() - started)
            bad += status != 200
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=one, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    return {
        "requests": len(ordered),
        "rps": len(ordered) / seconds,
        "p50": pct(0.5),
        "p95": pct(0.95),
        "errors": errors,
    }


def day_of_changes(region) -> str:
    """What a day brings, committed: the moment before it (ISO 8601, the server's clock)."""
    from django.db import connection

    from schools.flags import flags_recompute
    from schools.models import Procedure, Result, School

    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        (before,) = cursor.fetchone()
    time.sleep(0.01)
    # An import rewrites one procedure's results in the region, as COPY + UPDATE do (updated_at: now).
    procedure = Procedure.objects.filter(year=YEARS[-1]).order_by("pk").first()
    ours = Result.objects.filter(procedure=procedure, school__municipality__region=region)
    ours.update(failed=0, updated_at=datetime.datetime.now(datetime.UTC))
    for result in Result.objects.filter(school__municipality__region=region).order_by("?")[:20]:
        result.delete()  # one by one: each leaves its tombstone (api/tombstones.py)
    edited = list(
        School.objects.filter(municipality__region=region).order_by("?").values_list("pk", flat=True)[:20]
    )
    School.objects.filter(pk__in=edited).update(
        phone="+7 000 000-00-00", updated_at=datetime.datetime.now(datetime.UTC)
    )
    for year in LIST_YEARS:
        flags_recompute(list_year=year, region_ids=[region.pk])
    return before.isoformat()


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # progress is seen in a log file as it comes
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument(
        "--reuse", action="store_true", help="the data of an earlier run, if its database is there"
    )
    args = parser.parse_args()
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())  # noqa: S603, S607

    kept = django_on_fresh_database(reuse=args.reuse)
    from django.db import connection, connections

    from api.models import ClientKey
    from schools.flags import flags_recompute
    from schools.models import Region, Result, School

    if kept:
        region = Region.objects.get(name="Регион замера")
    else:
        started = time.perf_counter()
        region = generate()["region"]
        for year in LIST_YEARS:
            flags_recompute(list_year=year)
        print(f"данные построены за {time.perf_counter() - started:.0f} с")
    # Statistics and the SSD setting as production has them (autovacuum analyses a bulk load within a minute;
    # docker-compose.yml starts PostgreSQL with random_page_cost = 1.1).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute(f'ALTER DATABASE "{BENCH_DATABASE}" SET random_page_cost = 1.1')
    _key, raw = ClientKey.objects.create_key(name="bench", region=region)
    in_region = Result.objects.filter(school__municipality__region=region).count()
    schools = School.objects.filter(municipality__region=region).count()
    print(
        f"Данные: регион «{region}»: школ {schools}, результатов {in_region:,} (за {len(YEARS)} лет); "
        f"gunicorn: {args.workers} процесса (sync)".replace(",", " ")
    )
    connections.close_all()

    port = free_port()
    server = start_server(port, args.workers)
    out: dict[str, list] = {"ping": [], "full": [], "day": [], "load": [], "ping_load": []}
    try:
        client = Client(port, raw)
        ping_round_trip(client, 20)  # warm-up: every worker imports, connects
        # Pages for (c): 100-row pages at 30 cursors spread over each list (the first 30 pages of schools and
        # statuses; for results, cursors at 30 of the region's results in id order, as DRF encodes a position).
        pages: list[str] = []
        for name in ("schools", "flags"):
            pages += walk(client, f"/api/v1/{name}/?page_size=100", limit=30)[2]
        pages += [
            f"/api/v1/results/?page_size=100&cursor={quote(cursor)}" for cursor in result_cursors(region, 30)
        ]
        for _run in range(args.runs):
            out["ping"].append(ping_round_trip(client))
            out["full"].append(sync(client, 1000))
        since = day_of_changes(region)
        connections.close_all()
        for _run in range(args.runs):
            out["day"].append(sync(client, 1000, since))
        for _run in range(args.runs):
            out["ping_load"].append(run_load(port, raw, ["/api/v1/ping/"], args.clients, 5))
            out["load"].append(run_load(port, raw, pages, args.clients, args.seconds))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    report(out, args)
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())  # noqa: S603, S607


def report(out: dict, args) -> None:
    def each(values, fmt):
        return " / ".join(fmt(v) for v in values)

    print(
        "\nбазовая линия: ping одним клиентом, мс на вызов:", each(out["ping"], lambda v: f"{1000 * v:.1f}")
    )
    full, day = out["full"], out["day"]
    full_s = each(full, lambda r: f"{r['seconds']:.1f}")
    pings_s = each(out["ping"], lambda v: f"{v * full[0]['pages']:.1f}")
    day_s = each(day, lambda r: f"{r['seconds']:.2f}")
    print(
        f"(a) полная синхронизация, страницы по 1000: {full[0]['pages']} страниц, {full[0]['rows']:,} строк; "
        f"секунды: {full_s} (столько же вызовов ping: {pings_s} с)".replace(",", " ")
    )
    print(
        f"(b) изменения дня через updated_since: {day[0]['pages']} страниц, {day[0]['rows']:,} строк; "
        f"секунды: {day_s}".replace(",", " ")
    )
    print(f"(c) {args.clients} клиентов без пауз, страницы по 100:")
    for ping, load in zip(out["ping_load"], out["load"], strict=True):
        print(
            f"    ping: {ping['rps']:.0f} запр/с, p50 {ping['p50']:.1f}, p95 {ping['p95']:.1f} мс; "
            f"страницы: {load['rps']:.0f} запр/с, p50 {load['p50']:.1f}, p95 {load['p95']:.1f} мс, "
            f"ошибок {load['errors'] + ping['errors']}"
        )
    met = [
        max(r["seconds"] for r in full) <= GOALS["full_sync_s"],
        max(r["seconds"] for r in day) <= GOALS["day_sync_s"],
        max(r["p95"] for r in out["load"]) < GOALS["page_p95_ms"],
    ]
    print(
        "Цели: (a) ≤ 60 с — {}; (b) ≤ 1 с — {}; (c) p95 < 150 мс — {}".format(
            *("выполнена" if ok else "НЕ выполнена" for ok in met)
        )
    )


if __name__ == "__main__":
    main()
