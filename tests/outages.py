"""Services that a test can cut off and bring back: a TCP proxy in front of PostgreSQL, a private Redis, a portal
served by gunicorn in its own process. Everything listens on 127.0.0.1 only and is stopped by the test."""

import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, *, seconds: float, what: str, step: float = 0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(step)
    pytest.fail(f"За {seconds} с не дождались: {what}")


class TcpProxy:
    """Forwards 127.0.0.1:``port`` to ``target``. ``stop()`` closes the listening socket and cuts every open
    connection (the other side sees the server vanish); ``start()`` listens on the same port again."""

    def __init__(self, target: tuple[str, int], port: int | None = None):
        self.target = target
        self.port = port or free_port()
        self._stop = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._listener: socket.socket | None = None

    def start(self) -> "TcpProxy":
        self._stop.clear()
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.1)
        self._listener = listener
        self._spawn(self._accept_loop)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self._sockets.clear()

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            self._spawn(self._pump, client, upstream)

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        peers = {client: upstream, upstream: client}
        try:
            while not self._stop.is_set():
                readable, _, _ = select.select(list(peers), [], [], 0.1)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except (OSError, ValueError):
            return
        finally:
            with self._lock:
                for sock in (client, upstream):
                    if sock in self._sockets:
                        self._sockets.discard(sock)
                        sock.close()


def redis_server_binary() -> str:
    """The redis-server program; a missing one skips the test, and fails it under CI=true."""
    binary = shutil.which("redis-server")
    if binary is None:
        if settings.CI:
            pytest.fail("CI=true, но программы redis-server нет.")
        pytest.skip("Нет программы redis-server.")
    return binary


class RedisServer:
    """A private redis-server without persistence on its own port, stopped and started by the test."""

    def __init__(self, workdir: Path, port: int | None = None):
        self.binary = redis_server_binary()
        self.port = port or free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=self.workdir,
            stdout=open(self.workdir / "redis.log", "a"),  # noqa: SIM115 - closed with the process
            stderr=subprocess.STDOUT,
        )
        wait_until(self._answers, seconds=10, what=f"redis-server на порту {self.port}")
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        self.process = None


@dataclass
class Answer:
    status: int
    headers: dict
    text: str
    seconds: float


def http_get(url: str, *, cookie: str = "", headers: dict | None = None, timeout: float = 30) -> Answer:
    """GET without following redirects; any status is an answer (a refused connection raises)."""
    request = urllib.request.Request(  # noqa: S310 - the test's own http://127.0.0.1 server
        url, headers={**(headers or {}), **({"Cookie": cookie} if cookie else {})}
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    started = time.monotonic()
    try:
        with opener.open(request, timeout=timeout) as response:  # noqa: S310 - http://127.0.0.1 only
            body, status, got = response.read(), response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        body, status, got = error.read(), error.code, dict(error.headers)
    return Answer(status, got, body.decode("utf-8", "replace"), time.monotonic() - started)


@contextmanager
def portal_server(*, database_url: str, log: Path, **extra_env: str):
    """The portal under gunicorn (one sync worker, so one persistent database connection) on a free port."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_BROKER_URL"}},
        "DJANGO_SETTINGS_MODULE": "shnor_portal.settings.local",
        "DATABASE_URL": database_url,
        "SECRET_KEY": settings.SECRET_KEY,  # the test's sessions must be readable by the server
        "DEBUG": "false",
        **extra_env,
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "shnor_portal.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--timeout",
        "60",
    ]
    with open(log, "a") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if process.poll() is not None:
            pytest.fail(f"gunicorn завершился с кодом {process.returncode}:\n{log.read_text()}")
        try:
            return http_get(f"{base}/login/", timeout=5).status == 200
        except OSError:
            return False

    try:
        wait_until(up, seconds=60, what="портал ответит 200", step=0.3)
        yield base
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
