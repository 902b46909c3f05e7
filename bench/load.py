"""Load and soak: 200 users for 10 minutes against gunicorn + PostgreSQL + Redis + a Celery worker on loopback.

Builds the region of bench/reports.py (1,000 schools in 25 municipalities and a neighbour of the same size,
500,000 results, real ШНОР decisions, teachers, ИОМ, forms, roadmaps…), adds the people of the load — a
methodologist per municipality, a school admin for each of 100 schools with ИОМ lines due this quarter — and
an API key per municipality and one for the region. Then starts gunicorn (``--workers``) and a Celery worker
over Redis (database 12, flushed first) and runs locust (bench/locustfile.py) headless: methodologists browse
lists and dashboards, return submitted forms and now and then order a справка (the worker builds it during
the load); school admins save and submit quarterly forms; regional systems sync over the API.

Percentiles are counted once every user has started (sign-ins during the ramp are not in them). The memory of
each process of ours (gunicorn master and workers, the Celery worker and its child) is sampled a minute after
the ramp (start) and at the end, and every minute between; Redis and PostgreSQL are printed for information
(PostgreSQL's sum counts shared buffers once per backend).

    .venv/bin/python bench/load.py [--users 200] [--minutes 10] [--spawn-rate 4] [--workers 4]

Goals (issue «Trust»): zero errors; p95 under 300 ms for pages, 150 ms for the API; no process grows more than
10 % over the soak.
"""

import argparse
import datetime
import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import BENCH_DATABASE, ROOT, SERVER_URL, free_port, wait_for_port  # noqa: E402

PASSWORD = "Load-bench-2026!"  # noqa: S105 - accounts of a throw-away benchmark database
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
SCHOOL_ADMINS = 100
CELERY_CHILDREN: set[int] = (
    set()
)  # the worker's child processes seen (it replaces them: CELERY_MAX_TASKS_PER_CHILD)
GOALS = {"pages_p95": 300.0, "api_p95": 150.0, "growth": 0.10}


def _bench_reports():
    """bench/reports.py's data generator (a file, not a package: its name would clash with the app)."""
    spec = importlib.util.spec_from_file_location("bench_reports_data", ROOT / "bench" / "reports.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def prepare(workdir: Path, report_interval: int) -> dict:
    data_module = _bench_reports()
    data_module.django_on_database(fresh=True)
    data = data_module.generate()
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from api.models import ClientKey
    from core.models import RoleAssignment, User
    from core.roles import Role
    from diagnostics import progress
    from diagnostics.models import RouteLine, RouteStatus
    from schools.models import Municipality, School

    quarter = progress.quarter_of(timezone.localdate())
    region_id = data["region_id"]
    municipalities = list(Municipality.objects.filter(region_id=region_id).order_by("pk"))
    schools = {
        m.pk: list(School.objects.filter(municipality=m).order_by("pk").values_list("pk", flat=True))
        for m in municipalities
    }
    with_lines = list(
        RouteLine.objects.filter(
            route__status=RouteStatus.APPROVED,
            route__teacher__school__municipality__region_id=region_id,
            due_year=quarter.year,
            due_quarter=quarter.number,
        )
        .values_list("route__teacher__school_id", "route__teacher__school__municipality_id")
        .distinct()
        .order_by("route__teacher__school_id")[:SCHOOL_ADMINS]
    )
    encoded = make_password(PASSWORD)  # one hash for all: hashing 125 passwords would take a minute
    with transaction.atomic():
        methodists = User.objects.bulk_create(
            [
                User(username=f"metod{n:02d}", last_name="Методист", password=encoded)
                for n in range(len(municipalities))
            ]
        )
        admins = User.objects.bulk_create(
            [
                User(username=f"school{n:03d}", last_name="Администратор", password=encoded)
                for n in range(len(with_lines))
            ]
        )
        RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(user=u, role=Role.METHODIST, municipality=m)
                for u, m in zip(methodists, municipalities, strict=True)
            ]
            + [
                RoleAssignment(user=u, role=Role.SCHOOL_ADMIN, school_id=school_id)
                for u, (school_id, _m) in zip(admins, with_lines, strict=True)
            ]
        )
    keys = []
    for municipality in municipalities:
        key, raw = ClientKey.objects.create_key(name=f"РИС {municipality.name}", region_id=region_id)
        key.municipalities.set([municipality])
        keys.append({"key": raw, "school_ids": schools[municipality.pk]})
    _key, raw = ClientKey.objects.create_key(name="РИС региона", region_id=region_id)
    keys.append({"key": raw, "school_ids": [pk for ids in schools.values() for pk in ids]})
    config = {
        "password": PASSWORD,
        "list_year": data_module.LIST_YEAR,
        "quarter": [quarter.year, quarter.number],
        "since": (timezone.now() - datetime.timedelta(minutes=1)).isoformat(),
        "report_interval": report_interval,
        "methodists": [
            {"username": u.username, "municipality_id": m.pk, "school_ids": schools[m.pk]}
            for u, m in zip(methodists, municipalities, strict=True)
        ],
        "school_admins": [
            {"username": u.username, "school_id": school_id, "municipality_id": municipality_id}
            for u, (school_id, municipality_id) in zip(admins, with_lines, strict=True)
        ],
        "api_keys": keys,
    }
    path = workdir / "config.json"
    path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    from django.db import connections

    connections.close_all()
    return {"data": data, "config": path, "school_admins": len(with_lines), "methodists": len(methodists)}


def server_env(workdir: Path) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shnor_portal.settings.local",
        "DATABASE_URL": f"{SERVER_URL}/{BENCH_DATABASE}",
        "CELERY_BROKER_URL": REDIS_URL,
        "REDIS_URL": REDIS_URL,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": "load-bench",
        "API_RATE": "1000000/min",  # the soak measures the server, not the limiter
        "DB_CONN_MAX_AGE": "60",
        "MEDIA_ROOT": str(workdir / "media"),
        "LOG_LEVEL": "WARNING",
    }


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def rss_of(command: str) -> float:
    """The summed RSS of every process with this command name (for Redis and PostgreSQL)."""
    argv = ["/usr/bin/ps", "-C", command, "-o", "rss="]
    out = subprocess.run(argv, capture_output=True, text=True, check=False).stdout  # noqa: S603
    return sum(int(v) for v in out.split()) / 1024


def sample(gunicorn: subprocess.Popen, worker: subprocess.Popen) -> dict[str, float]:
    found = {"gunicorn: главный": rss_mb(gunicorn.pid)}
    for n, pid in enumerate(sorted(children(gunicorn.pid)), start=1):
        found[f"gunicorn: процесс {n}"] = rss_mb(pid)
    found["celery: главный"] = rss_mb(worker.pid)
    for n, pid in enumerate(sorted(children(worker.pid)), start=1):
        found[f"celery: исполнитель {n}"] = rss_mb(pid)
        CELERY_CHILDREN.add(pid)
    found["redis-server (для сведения)"] = rss_of("redis-server")
    found["postgres, сумма (для сведения)"] = rss_of("postgres")
    return {k: v for k, v in found.items() if v is not None}


def load_average() -> float:
    return os.getloadavg()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--spawn-rate", type=float, default=4)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--report-interval", type=int, default=30, help="не чаще одной справки за столько секунд"
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="shnor-load-"))
    started = time.perf_counter()
    prepared = prepare(workdir, args.report_interval)
    data = prepared["data"]
    print(
        f"Данные за {time.perf_counter() - started:.0f} с: школ {data['schools']}, результатов {data['results']}; "
        f"методистов {prepared['methodists']}, администраторов школ {prepared['school_admins']}, ключей API 26."
    )
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    env = server_env(workdir)
    port = free_port()
    gunicorn = subprocess.Popen(  # noqa: S603 - our own gunicorn with fixed arguments
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "shnor_portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    worker = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "shnor_portal",
            "worker",
            "--concurrency=1",
            "--loglevel=WARNING",
            "-n",
            f"load-{port}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "worker.log").open("w"),
    )
    results_path = workdir / "results.json"
    samples: list[tuple[float, dict]] = []
    try:
        wait_for_port(port, gunicorn, "gunicorn")
        ramp = args.users / args.spawn_rate
        seconds = int(ramp + 60 + args.minutes * 60)  # the ramp, a minute for the last sign-ins, the soak
        load_before = load_average()
        locust = subprocess.Popen(  # noqa: S603
            [
                str(ROOT / ".venv/bin/locust"),
                "-f",
                str(ROOT / "bench/locustfile.py"),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.spawn_rate),
                "--run-time",
                f"{seconds}s",
                "--host",
                f"http://127.0.0.1:{port}",
                "--only-summary",
                "--stop-timeout",
                "20",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={**os.environ, "LOAD_CONFIG": str(prepared["config"]), "LOAD_RESULTS": str(results_path)},
            stdout=(workdir / "locust.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        began = time.monotonic()
        first = ramp + 60
        while locust.poll() is None:
            elapsed = time.monotonic() - began
            if elapsed >= first + 60 * len(samples) and elapsed < seconds - 5:
                samples.append((elapsed, sample(gunicorn, worker)))
            time.sleep(1)
            if seconds - 5 <= time.monotonic() - began and (not samples or samples[-1][0] < seconds - 10):
                samples.append((time.monotonic() - began, sample(gunicorn, worker)))
        load_after = load_average()
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        worker.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
        worker.wait(timeout=60)
    if not results_path.exists():
        raise SystemExit(f"locust не записал итоги; журнал: {workdir / 'locust.log'}")
    report(
        json.loads(results_path.read_text(encoding="utf-8")), samples, args, load_before, load_after, workdir
    )


def report(results: dict, samples, args, load_before: float, load_after: float, workdir: Path) -> None:
    os.environ["DATABASE_URL"] = f"{SERVER_URL}/{BENCH_DATABASE}"
    from django.db.models import Count

    from reports.models import Report

    built = dict(Report.objects.values_list("status").annotate(n=Count("pk")))
    soak = results["seconds"]
    print(
        f"\nНагрузка: {results['users_ready']} пользователей; счёт с входа последнего — {soak / 60:.1f} мин; "
        f"gunicorn {args.workers} процесса, "
        f"Celery 1 процесс; load average за минуту: до {load_before:.2f}, после {load_after:.2f}."
    )
    print(
        f"{'сценарий':<14}{'запросов':>10}{'запр/с':>8}{'p50, мс':>9}{'p95, мс':>9}{'p99, мс':>9}{'ошибок':>8}"
    )
    titles = {"pages": "страницы", "forms": "формы", "api": "API"}
    total = errors = 0
    for key in ("pages", "forms", "api"):
        row = results["scenarios"].get(key, {"requests": 0, "errors": 0, "p50": 0, "p95": 0, "p99": 0})
        total += row["requests"]
        errors += row["errors"]
        print(
            f"{titles[key]:<14}{row['requests']:>10}{row['requests'] / soak:>8.1f}{row['p50']:>9.0f}"
            f"{row['p95']:>9.0f}{row['p99']:>9.0f}{row['errors']:>8}"
        )
    print(f"{'всего':<14}{total:>10}{total / soak:>8.1f}{'':>27}{errors:>8}")
    signin = results["scenarios"].get("signin")
    if signin:
        print(
            f"Вход в разгоне (не входит в счёт): {signin['requests']} запросов, p50 {signin['p50']:.0f} мс, "
            f"p95 {signin['p95']:.0f} мс, ошибок {signin['errors']} — пароль проверяется PBKDF2 (1 млн итераций)."
        )
    print("\nПо запросам (p50 / p95, мс; запросов):")
    for name, row in sorted(results["names"].items()):
        print(
            f"  {name:<40} {row['p50']:>6.0f} / {row['p95']:>6.0f}  {row['requests']:>7}  ошибок {row['errors']}"
        )
    counters = results["counters"]
    print(
        f"\nДействия: черновиков сохранено {counters['drafts_saved']}, форм отправлено {counters['forms_submitted']}, "
        f"возвращено методистами {counters['forms_returned']}, справок заказано {counters['reports_ordered']}; "
        f"отчёты в базе по статусам: {built}."
    )
    for failure in results["failures"][:10]:
        print(f"  ошибка: {failure['name']}: {failure['error']} ×{failure['occurrences']}")
    growth_ok = True
    if len(samples) >= 2:
        (t0, start), (t1, end) = samples[0], samples[-1]
        print(f"\nПамять, МБ (RSS): через {t0:.0f} с и через {t1:.0f} с от начала; рост")
        for name, before in start.items():
            after = end.get(name)
            if after is None:
                continue
            growth = (after - before) / before if before else 0
            ours = "сведения" not in name
            growth_ok &= (not ours) or growth <= GOALS["growth"]
            trend = " ".join(f"{s.get(name, 0):.0f}" for _t, s in samples)
            print(f"  {name:<32}{before:>8.0f}{after:>8.0f}{100 * growth:>+8.1f} %   (по минутам: {trend})")
        print(
            f"  Процессов-исполнителей Celery за прогон: {len(CELERY_CHILDREN)} (замена после "
            f"{os.environ.get('CELERY_MAX_TASKS_PER_CHILD', '20')} задач или "
            f"{os.environ.get('CELERY_MAX_MEMORY_PER_CHILD_MB', '600')} МБ)."
        )
    pages = [results["scenarios"].get(k, {}).get("p95", 0) for k in ("pages", "forms")]
    api = results["scenarios"].get("api", {}).get("p95", 0)
    verdicts = [
        ("без ошибок", errors == 0 and not built.get("failed")),
        (f"p95 страниц < {GOALS['pages_p95']:.0f} мс", max(pages) < GOALS["pages_p95"]),
        (f"p95 API < {GOALS['api_p95']:.0f} мс", api < GOALS["api_p95"]),
        ("рост памяти ≤ 10 %", growth_ok),
    ]
    print("\nЦели: " + "; ".join(f"{label} — {'да' if ok else 'НЕТ'}" for label, ok in verdicts))
    print(f"Журналы: {workdir}")


if __name__ == "__main__":
    main()
