"""scripts/backup.sh and scripts/restore.sh: a backup of a scratch database and a media folder, then changes and
losses, then a restore — the rows and the files are the same as at the backup, byte for byte.

Skipped only where pg_dump/pg_restore or PostgreSQL are missing; under CI=true that is a failure.
"""

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import dj_database_url
import psycopg
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("shnor_school", "shnor_result", "shnor_note")


def require_tools():
    missing = [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]
    if missing:
        message = f"Нет программ {', '.join(missing)} (пакет postgresql-client)."
        if settings.CI:
            pytest.fail(f"CI=true: {message}")
        pytest.skip(message)


@pytest.fixture
def scratch_url():
    """A database of its own, created and dropped here (the backup's --clean must not touch the test database)."""
    require_tools()
    params = dj_database_url.parse(settings.TEST_DATABASE_URL)
    if params["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("Резервное копирование проверяется на PostgreSQL.")
    server = {
        "host": params["HOST"] or "127.0.0.1",
        "port": params["PORT"] or 5432,
        "user": params["USER"],
        "password": params["PASSWORD"] or None,
    }
    name = f"shnor_backup_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=3, **server)
    except psycopg.OperationalError as error:
        if settings.CI:
            pytest.fail(f"CI=true, но PostgreSQL недоступен: {error}")
        pytest.skip(f"PostgreSQL недоступен: {error}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            auth = f"{server['user']}:{server['password']}" if server["password"] else server["user"]
            yield f"postgres://{auth}@{server['host']}:{server['port']}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fill(url: str) -> None:
    with psycopg.connect(url) as db:
        db.execute(
            """
            CREATE TABLE shnor_school (id bigserial PRIMARY KEY, code text UNIQUE NOT NULL, name text NOT NULL);
            CREATE TABLE shnor_result (
                id bigserial PRIMARY KEY,
                school_id bigint NOT NULL REFERENCES shnor_school(id),
                year smallint NOT NULL, mean numeric(5, 2), details jsonb, checked_at timestamptz
            );
            CREATE TABLE shnor_note (id bigserial PRIMARY KEY, body text, attachment bytea);
            CREATE INDEX shnor_result_year ON shnor_result (year);
            """
        )
        for n in range(1, 31):
            db.execute(
                "INSERT INTO shnor_school (code, name) VALUES (%s, %s)", (f"sch61{n:04d}", f"МБОУ «СОШ №{n}»")
            )
        db.execute(
            """
            INSERT INTO shnor_result (school_id, year, mean, details, checked_at)
            SELECT s.id, y, (s.id * 7 + y) % 500 / 100.0, jsonb_build_object('предмет', 'математика', 'n', y),
                   timestamptz '2026-03-01 10:00+03' + make_interval(days => y - 2020)
            FROM shnor_school s CROSS JOIN generate_series(2021, 2025) AS y
            """
        )
        db.execute(
            "INSERT INTO shnor_note (body, attachment) VALUES (%s, %s), (NULL, NULL)",
            ("Справка: «кавычки», переводы\nстрок и 100 %", bytes(range(256))),
        )


def digest(url: str) -> dict[str, str | None]:
    """An md5 of every row of each table, in key order; None for a table that is gone."""
    result = {}
    with psycopg.connect(url) as db:
        for table in TABLES:
            exists = db.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0]
            result[table] = (
                db.execute(f"SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) FROM {table} t").fetchone()[0]  # noqa: S608
                if exists
                else None
            )
        result["next_school_id"] = str(db.execute("SELECT last_value FROM shnor_school_id_seq").fetchone()[0])
    return result


def run(script: str, *args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ROOT / "scripts" / script), *args],
        cwd=ROOT,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,  # no terminal: restore.sh must not wait for an answer
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_backup_and_restore_bring_back_the_same_rows_and_files(scratch_url, tmp_path):
    fill(scratch_url)
    media = tmp_path / "media"
    report = media / "reports" / "2026" / "Справка_Обливский-район_v1.pdf"
    report.parent.mkdir(parents=True)
    report.write_bytes(os.urandom(200_000))
    evidence = media / "evidence" / "акт.txt"
    evidence.parent.mkdir(parents=True)
    evidence.write_text("Акт проверки\n", encoding="utf-8")
    before = digest(scratch_url)
    files_before = {p.relative_to(media): p.read_bytes() for p in media.rglob("*") if p.is_file()}
    env = {"DATABASE_URL": scratch_url, "MEDIA_ROOT": str(media), "BACKUP_DIR": str(tmp_path / "backups")}

    made = run("backup.sh", env=env)
    assert made.returncode == 0, made.stderr
    folder = Path(made.stdout.strip().splitlines()[-1])
    assert folder.parent == tmp_path / "backups" and not folder.name.endswith(".partial")
    assert sorted(p.name for p in folder.iterdir()) == ["SHA256SUMS", "database.dump", "media.tar.gz"]

    # After the backup: rows changed and deleted, a table dropped, a file changed, one lost, one added.
    with psycopg.connect(scratch_url) as db:
        db.execute("UPDATE shnor_school SET name = 'изменено' WHERE id <= 5")
        db.execute("DELETE FROM shnor_result WHERE year = 2023")
        db.execute("INSERT INTO shnor_school (code, name) VALUES ('sch619999', 'Новая школа')")
        db.execute("DROP TABLE shnor_note")
    report.write_bytes(b"broken")
    evidence.unlink()
    (media / "after-backup.tmp").write_bytes(b"x")
    assert digest(scratch_url) != before

    # A damaged copy is refused before anything is touched.
    damaged = tmp_path / "damaged"
    shutil.copytree(folder, damaged)
    with open(damaged / "database.dump", "r+b") as dump:
        dump.seek(100)
        dump.write(b"\x00\x01\x02")
    refused = run("restore.sh", str(damaged), "--yes", env=env)
    assert refused.returncode != 0 and "Контрольные суммы не сходятся" in refused.stderr
    assert (media / "after-backup.tmp").exists()
    # Without --yes and without a terminal nothing happens either.
    assert run("restore.sh", str(folder), env=env).returncode == 2

    restored = run("restore.sh", str(folder), "--yes", env=env)
    assert restored.returncode == 0, restored.stderr
    assert digest(scratch_url) == before
    files_after = {p.relative_to(media): p.read_bytes() for p in media.rglob("*") if p.is_file()}
    assert files_after == files_before  # the same files, byte for byte, and nothing else


def test_backup_refuses_a_database_it_cannot_copy(tmp_path):
    require_tools()
    done = run(
        "backup.sh", env={"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", "BACKUP_DIR": str(tmp_path)}
    )
    assert done.returncode == 2 and "только PostgreSQL" in done.stderr
    assert list(tmp_path.iterdir()) == []
