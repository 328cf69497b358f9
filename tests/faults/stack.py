"""The process model on private servers: a PostgreSQL cluster and a Redis of our own (temporary
folders, free ports), gunicorn web processes and RQ workers, so that faults can be done to them
without touching the machine's shared PostgreSQL (5432) and Redis (6379)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from glob import glob
from pathlib import Path

import redis
import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET = "faults-secret-key-not-for-production"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_postgres(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the `postgres` user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _postgres_bin() -> Path:
    found = sorted(glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")
    return Path(pg_ctl).parent


class PrivatePostgres:
    """A throw-away cluster: `initdb` in a temporary folder, served on a free port."""

    def __init__(self) -> None:
        self.bin = _postgres_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.log = self.dir / "postgres.log"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run(  # noqa: S603 - our own binaries, fixed arguments
            _as_postgres(
                [str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"]
            ),
            check=True,
            capture_output=True,
        )

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/answering"

    def _ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        subprocess.run(  # noqa: S603 - our own binaries, fixed arguments
            _as_postgres(
                [
                    str(self.bin / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log),
                    "-o",
                    options,
                    "-w",
                    *args,
                ]
            ),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        self._ctl("start")

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")

    def restart(self) -> None:
        """Stop (in-flight transactions are cut) and start again on the same port."""
        self._ctl("restart", "-m", "fast")

    def create_database(self) -> None:
        subprocess.run(  # noqa: S603 - our own binaries, fixed arguments
            [
                str(self.bin / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "answering",
            ],
            check=True,
            capture_output=True,
        )

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRedis:
    """A `redis-server` of our own on a free port, without persistence (as a lost Redis comes back)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="faults-redis-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            raise RuntimeError("no redis-server on this machine")
        self.process = subprocess.Popen(  # noqa: S603 - our own binary, fixed arguments
            [
                server,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        for _ in range(100):
            with contextlib.suppress(redis.RedisError):
                client.ping()
                return
            time.sleep(0.05)
        raise RuntimeError("the private Redis did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def remove(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(part) for part in text.split()]


class Processes:
    """gunicorn (`WEB_PROCESSES` workers) and RQ workers, as `make up` starts them; a dead RQ
    worker is started again, as a process supervisor would."""

    def __init__(self, env: dict[str, str], *, web: int = 2, workers: int = 2) -> None:
        self.env, self.web, self.workers = env, web, workers
        self.port = int(env["PUBLIC_BASE_URL"].rsplit(":", 1)[1])
        self.logs = Path(tempfile.mkdtemp(prefix="faults-logs-"))
        self.gunicorn: subprocess.Popen[bytes] | None = None
        self.rq: list[subprocess.Popen[bytes]] = []
        self.restarted_workers = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self, command: list[str], name: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        return subprocess.Popen(  # noqa: S603 - our own programs, fixed arguments
            command, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
        )

    def start(self) -> None:
        self.gunicorn = self._spawn(
            [
                str(BIN / "gunicorn"),
                "--workers",
                str(self.web),
                "--threads",
                "4",
                "--worker-class",
                "gthread",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--graceful-timeout",
                "20",
                "--log-level",
                "warning",
                "tests.faults.app:app",
            ],
            "gunicorn",
        )
        for n in range(self.workers):
            self.rq.append(self._worker(n))
        for _ in range(200):
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer; see {self.logs}")

    def _worker(self, n: int) -> subprocess.Popen[bytes]:
        return self._spawn(
            [str(BIN / "flask"), "--app", "tests.faults.app", "tenants", "worker"], f"worker-{n}"
        )

    def web_workers(self) -> list[int]:
        return children(self.gunicorn.pid) if self.gunicorn else []

    def kill_web_worker(self) -> int:
        """SIGKILL one gunicorn worker (its requests in flight are cut); the master starts another."""
        pid = self.web_workers()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_rq_worker(self) -> int:
        """SIGKILL an RQ worker that is running a job, with the work horse running it, then start
        a new worker (as its supervisor would)."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            for n, process in enumerate(self.rq):
                horses = children(process.pid) if process.poll() is None else []
                if not horses:
                    continue
                for pid in horses:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                self.rq[n] = self._worker(n)
                self.restarted_workers += 1
                return process.pid
            time.sleep(0.01)
        raise RuntimeError("no RQ worker was running a job")

    def supervise(self) -> None:
        """Start again any RQ worker that exited (a lost Redis stops them)."""
        for n, process in enumerate(self.rq):
            if process.poll() is not None:
                self.rq[n] = self._worker(n)
                self.restarted_workers += 1

    def stop(self) -> None:
        for process in [*self.rq, self.gunicorn]:
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in [*self.rq, self.gunicorn]:
            if process is not None:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def environment(database_url: str, redis_url: str, port: int, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": SECRET,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
        "LOG_JSON": "true",
        "CARRIER_WEBHOOK_LIMIT": "100000 per second",
        "AFTER_CALL_WORK_S": "0",
        "SHORT_ABANDON_S": "0",
        "RQ_QUEUE": "default",
        **extra,
    }


@contextlib.contextmanager
def private_servers() -> Iterator[tuple[PrivatePostgres, PrivateRedis]]:
    postgres, cache = PrivatePostgres(), PrivateRedis()
    try:
        postgres.start()
        postgres.create_database()
        cache.start()
        yield postgres, cache
    finally:
        cache.remove()
        postgres.remove()
