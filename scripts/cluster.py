"""The local cluster (`make run-cluster`): PostgreSQL, Redis and nginx from Debian's packages, and N replicas
of each service (gateway, Rasa, action server, backend) under supervisord, which restarts any one that dies.

    python -m scripts.cluster up       start everything, print READY, stop everything on Ctrl-C
    python -m scripts.cluster status   supervisorctl status
    python -m scripts.cluster kill NAME   SIGKILL one replica (e.g. rasa-1); the supervisor restarts it

The same public address as `make run` (PORT, default 8000, through nginx). State lives in $CLUSTER_DIR
(var/cluster): the databases, Redis's append-only file, logs, and the secrets generated on first start.
The e2e/chaos tests use `running_cluster` with a port offset, so they never collide with a running one.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "deploy" / "local"
PYTHON = ROOT / ".venv" / "bin" / "python"
SERVICES = ("backend", "actions", "rasa", "gateway")
DEBIAN_PACKAGES = {"redis-server": "redis-server", "nginx": "nginx", "supervisord": "supervisor"}


@dataclass(frozen=True)
class Ports:
    """Public ports (nginx) of each service; replica i of a service listens on port + i."""

    gateway: int = 8000
    rasa: int = 5005
    actions: int = 5055
    backend: int = 8100
    postgres: int = 15432
    redis: int = 16379

    @classmethod
    def shifted(cls, offset: int) -> Ports:
        base = cls()
        return cls(**{name: getattr(base, name) + offset for name in base.__dataclass_fields__})

    def replica(self, service: str, index: int) -> int:
        return getattr(self, service) + index


@dataclass
class Cluster:
    model: str
    directory: Path
    ports: Ports = field(default_factory=Ports)
    replicas: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)

    # --- places ---------------------------------------------------------------------------------------

    @property
    def run(self) -> Path:
        return self.directory / "run"

    @property
    def log(self) -> Path:
        return self.directory / "log"

    @property
    def pgdata(self) -> Path:
        return self.directory / "pgdata"

    def secret(self, name: str, make=lambda: secrets.token_urlsafe(24)) -> str:
        """A secret generated once into secrets/<name> (0600), so a restart keeps every key and token."""
        path = self.directory / "secrets" / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(make())
        return path.read_text().strip()

    # --- environment ------------------------------------------------------------------------------------

    def common_env(self) -> dict[str, str]:
        var = self.directory
        return {
            "PYTHONPATH": str(ROOT),
            "HOME": str(var / "home"),
            "TMPDIR": str(var / "tmp"),
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "TF_ENABLE_ONEDNN_OPTS": "0",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "SANDBOX_MODE": "true",
            # every secret comes from here; a replica missing one refuses to start (service/environment.py)
            "CLUSTER_MODE": "true",
            "BACKEND_DATA_KEY": self.secret(
                "data_key", lambda: base64.urlsafe_b64encode(os.urandom(32)).decode()
            ),
            "GATEWAY_CHANNEL_TOKEN": self.secret("gateway_channel_token"),
            "RASA_JWT_SECRET": self.secret("rasa_jwt_secret"),
            "ACTIONS_TOKEN": self.secret("actions_token"),
            **self.extra_env,
        }

    def database_url(self, name: str) -> str:
        password = self.secret("db_password")
        return f"postgresql+psycopg2://assistant:{password}@127.0.0.1:{self.ports.postgres}/{name}"

    def service_env(self, service: str, port: int) -> dict[str, str]:
        local = "http://127.0.0.1"
        env = {
            "backend": {
                "BACKEND_HOST": "127.0.0.1",
                "BACKEND_PORT": str(port),
                "BACKEND_DATABASE_URL": self.database_url("backend"),
                "BACKEND_MIGRATE_ON_START": "false",
                "RECORDINGS_DIR": str(self.directory / "recordings"),  # one disk, shared by both replicas
                "ADMIN_TOKENS": f"reviewer:{self.secret('admin_token')}",
                "BACKEND_TOKENS": f"actions:{self.secret('backend_token_actions')},"
                f"gateway:{self.secret('backend_token_gateway')}",
            },
            "actions": {
                "ACTIONS_HOST": "127.0.0.1",
                "ACTIONS_PORT": str(port),
                "BACKEND_URL": f"{local}:{self.ports.backend}",
                "BACKEND_TOKEN": self.secret("backend_token_actions"),
            },
            "rasa": {
                "ACTION_ENDPOINT_URL": f"{local}:{self.ports.actions}/webhook",
                "TRACKER_DB_HOST": "127.0.0.1",
                "TRACKER_DB_PORT": str(self.ports.postgres),
                "TRACKER_DB_USER": "assistant",
                "TRACKER_DB_PASSWORD": self.secret("db_password"),
                "TRACKER_DB_NAME": "tracker",
                "EVENT_BROKER_DB_NAME": "events",
                "REDIS_HOST": "127.0.0.1",
                "REDIS_PORT": str(self.ports.redis),
                "REDIS_PASSWORD": self.secret("redis_password"),
                "REDIS_LOCK_DB": "0",
            },
            "gateway": {
                "GATEWAY_HOST": "127.0.0.1",
                "PORT": str(port),
                "RASA_URL": f"{local}:{self.ports.rasa}",
                "ACTIONS_URL": f"{local}:{self.ports.actions}",
                "BACKEND_URL": f"{local}:{self.ports.backend}",
                "BACKEND_TOKEN": self.secret("backend_token_gateway"),
                "REDIS_URL": f"redis://:{self.secret('redis_password')}@127.0.0.1:{self.ports.redis}/1",
                "TTS_CACHE_DIR": str(self.directory / "tts-cache"),
                # the Whisper model `make whisper` joined (the Makefile passes it), unless voice is off
                **{k: os.environ[k] for k in ("WHISPER_MODEL", "VOICE_PRELOAD") if os.environ.get(k)},
            },
        }[service]
        return {**self.common_env(), **env}

    def command(self, service: str, port: int) -> list[str]:
        return {
            "backend": [str(PYTHON), "-m", "backend"],
            "actions": [str(PYTHON), "-m", "actions.server"],
            "rasa": [
                str(PYTHON),
                "-m",
                "bot.server",
                "run",
                "--model",
                self.model,
                "--enable-api",
                "--interface",
                "127.0.0.1",
                "--port",
                str(port),
                "--endpoints",
                "bot/endpoints.cluster.yml",
                "--credentials",
                "bot/credentials.yml",
            ],
            "gateway": [str(PYTHON), "-m", "gateway"],
        }[service]

    # --- configuration files -----------------------------------------------------------------------------

    def render(self, template: str, **values: str) -> str:
        text = (TEMPLATES / template).read_text()
        for name, value in {"run": str(self.run), "log": str(self.log), **values}.items():
            text = text.replace("{{" + name + "}}", value)
        if "{{" in text:
            raise ValueError(f"{template}: a placeholder is left unfilled")
        return text

    def programs(self) -> str:
        blocks = []
        for service in SERVICES:
            for index in range(1, self.replicas + 1):
                port = self.ports.replica(service, index)
                env = ",".join(f'{k}="{v}"' for k, v in self.service_env(service, port).items())
                blocks.append(
                    f"[program:{service}-{index}]\n"
                    f"command={' '.join(self.command(service, port))}\n"
                    f"directory={ROOT}\n"
                    f"environment={env}\n"
                    "autostart=true\nautorestart=true\nstartsecs=5\nstartretries=1000\n"
                    "stopasgroup=true\nkillasgroup=true\nstopwaitsecs=20\n"
                    f"stdout_logfile={self.log}/{service}-{index}.log\nredirect_stderr=true\n"
                )
        return "\n".join(blocks)

    LIVENESS = {
        "backend": ("/livez", 30),
        "actions": ("/health", 30),
        "rasa": ("/", 180),
        "gateway": ("/livez", 60),
    }

    def watchdog(self) -> str:
        """The program restarting a replica whose liveness endpoint stops answering (scripts/watchdog.py)."""
        replicas = [
            {
                "program": f"{service}-{index}",
                "url": f"http://127.0.0.1:{self.ports.replica(service, index)}{self.LIVENESS[service][0]}",
                "grace_s": self.LIVENESS[service][1],
            }
            for service in SERVICES
            for index in range(1, self.replicas + 1)
        ]
        listing = self.directory / "watchdog.json"
        listing.write_text(json.dumps(replicas))
        return (
            "[program:watchdog]\n"
            f"command={PYTHON} -m scripts.watchdog {listing} {self.directory / 'supervisord.conf'}\n"
            f'directory={ROOT}\nenvironment=PYTHONPATH="{ROOT}"\n'
            "autostart=true\nautorestart=true\n"
            f"stdout_logfile={self.log}/watchdog.log\nredirect_stderr=true\n"
        )

    def upstream(self, service: str) -> str:
        return "\n".join(
            f"        server 127.0.0.1:{self.ports.replica(service, i)} max_fails=1 fail_timeout=2s;"
            for i in range(1, self.replicas + 1)
        )

    def write_configs(self) -> None:
        (self.directory / "supervisord.conf").write_text(
            self.render("supervisord.conf", programs=self.programs() + "\n" + self.watchdog())
        )
        servers = {f"{s}_servers": self.upstream(s) for s in SERVICES}
        ports = {f"{s}_port": str(getattr(self.ports, s)) for s in SERVICES}
        (self.directory / "nginx.conf").write_text(self.render("nginx.conf", **servers, **ports))

    # --- the engines -------------------------------------------------------------------------------------

    def _as_postgres(self) -> list[str]:
        return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def start_postgres(self) -> None:
        socket_dir = self.directory / "pgrun"
        socket_dir.mkdir(exist_ok=True)
        fresh = not (self.pgdata / "PG_VERSION").exists()
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root: its files belong to the postgres user
            self.pgdata.mkdir(exist_ok=True)
            (self.log / "postgres.log").touch()
            for path in (self.pgdata, socket_dir, self.log / "postgres.log"):
                shutil.chown(path, "postgres", "postgres")
            os.chmod(self.pgdata, 0o700)
        if fresh:
            _run(
                [
                    *self._as_postgres(),
                    pg_binary("initdb"),
                    "-D",
                    str(self.pgdata),
                    "-U",
                    "postgres",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    "-E",
                    "UTF8",
                ]
            )
        options = (
            f"-p {self.ports.postgres} -k {socket_dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        )
        _run(
            [
                *self._as_postgres(),
                pg_binary("pg_ctl"),
                "-D",
                str(self.pgdata),
                "-l",
                str(self.log / "postgres.log"),
                "-o",
                options,
                "-w",
                "start",
            ]
        )
        self._ensure_databases(socket_dir)

    def _ensure_databases(self, socket_dir: Path) -> None:
        """The application's role and its three databases (backend, tracker, events), made once."""
        psql = [
            *self._as_postgres(),
            "psql",
            "-h",
            str(socket_dir),
            "-p",
            str(self.ports.postgres),
            "-U",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-qtA",
        ]
        role = subprocess.run(
            [*psql, "-c", "SELECT 1 FROM pg_roles WHERE rolname = 'assistant'"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        if not role:
            _run([*psql, "-c", f"CREATE ROLE assistant LOGIN PASSWORD '{self.secret('db_password')}'"])
        for name in ("backend", "tracker", "events"):
            query = f"SELECT 1 FROM pg_database WHERE datname = '{name}'"
            if not subprocess.run([*psql, "-c", query], capture_output=True, text=True).stdout.strip():
                _run([*psql, "-c", f"CREATE DATABASE {name} OWNER assistant"])

    def stop_postgres(self) -> None:
        if (self.pgdata / "postmaster.pid").exists():
            _run(
                [*self._as_postgres(), pg_binary("pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "stop"],
                check=False,
            )

    def start_redis(self) -> None:
        data = self.directory / "redis"
        data.mkdir(exist_ok=True)
        # Append-only and fsync'd on every write: a restart loses no lock or limit a client relies on.
        _run(
            [
                "redis-server",
                "--port",
                str(self.ports.redis),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(data),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
                "--requirepass",
                self.secret("redis_password"),
                "--daemonize",
                "yes",
                "--pidfile",
                str(self.run / "redis.pid"),
                "--logfile",
                str(self.log / "redis.log"),
            ]
        )
        _wait(lambda: self.redis_cli("ping") == "PONG", "redis")

    def redis_cli(self, *args: str) -> str:
        command = [
            "redis-cli",
            "-p",
            str(self.ports.redis),
            "--no-auth-warning",
            "-a",
            self.secret("redis_password"),
            *args,
        ]
        return subprocess.run(command, capture_output=True, text=True).stdout.strip()

    def stop_redis(self) -> None:
        self.redis_cli("shutdown")
        _wait(lambda: not (self.run / "redis.pid").exists(), "redis to stop", timeout_s=20, required=False)

    def restart_redis(self) -> None:
        self.stop_redis()
        self.start_redis()

    def supervisorctl(self, *args: str) -> str:
        command = ["supervisorctl", "-c", str(self.directory / "supervisord.conf"), *args]
        return subprocess.run(command, capture_output=True, text=True).stdout

    def pid_of(self, program: str) -> int:
        return int(self.supervisorctl("pid", program).strip() or 0)

    def kill(self, program: str) -> int:
        """SIGKILL one replica, as a crash would; the supervisor starts it again."""
        pid = self.pid_of(program)
        if pid:
            os.kill(pid, signal.SIGKILL)
        return pid

    def migrate(self) -> None:
        env = {**os.environ, **self.service_env("backend", self.ports.backend)}
        _run([str(PYTHON), "-m", "backend.cli", "migrate"], env=env)

    def start(self) -> None:
        for path in (self.run, self.log, self.directory / "home", self.directory / "tmp"):
            path.mkdir(parents=True, exist_ok=True)
        ensure_packages()
        self.write_configs()
        self.start_postgres()
        self.start_redis()
        self.migrate()
        _run(["supervisord", "-c", str(self.directory / "supervisord.conf")])
        for temp in ("nginx-body", "nginx-proxy", "nginx-fastcgi", "nginx-uwsgi", "nginx-scgi"):
            (self.run / temp).mkdir(exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(self.run / temp, "nobody")  # nginx's workers run as nobody under root
        _run(["nginx", "-c", str(self.directory / "nginx.conf"), "-e", str(self.log / "nginx-error.log")])

    def wait_ready(self, timeout_s: float = 600) -> str:
        url = f"http://127.0.0.1:{self.ports.gateway}"

        def ready() -> bool:
            try:
                return httpx.get(f"{url}/healthz", timeout=3).status_code == 200
            except httpx.HTTPError:
                return False

        _wait(ready, f"{url}/healthz", timeout_s=timeout_s)
        return url

    def stop(self) -> None:
        if (self.run / "supervisor.sock").exists():
            self.supervisorctl("shutdown")
        if (self.run / "nginx.pid").exists():
            _run(
                [
                    "nginx",
                    "-c",
                    str(self.directory / "nginx.conf"),
                    "-e",
                    str(self.log / "nginx-error.log"),
                    "-s",
                    "quit",
                ],
                check=False,
            )
        self.stop_redis()
        self.stop_postgres()


def pg_binary(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None)
    if found is None:
        raise SystemExit(f"{name} not found: install Debian's postgresql (apt-get install postgresql)")
    return str(found)


def ensure_packages() -> None:
    """PostgreSQL, Redis, nginx and supervisor from Debian's packages (installed when missing, as root)."""
    missing = [package for binary, package in DEBIAN_PACKAGES.items() if shutil.which(binary) is None]
    if not (shutil.which("pg_ctl") or list(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))):
        missing.append("postgresql")
    if not missing:
        return
    if os.geteuid() != 0:
        raise SystemExit(f"the local cluster needs Debian packages: sudo apt-get install {' '.join(missing)}")
    print(f"installing {' '.join(missing)} (Debian)", flush=True)
    _run(["apt-get", "update", "-qq"])
    _run(
        ["apt-get", "install", "-y", "-qq", *missing], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    )


def _run(command: list[str], check: bool = True, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if check and result.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({result.returncode}): {result.stderr[-2000:]}")


def _wait(done, what: str, timeout_s: float = 60, required: bool = True) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if done():
            return
        time.sleep(0.5)
    if required:
        raise RuntimeError(f"timed out waiting for {what}")


@contextmanager
def running_cluster(
    model: str, directory: Path, offset: int = 0, replicas: int = 2, env: dict[str, str] | None = None
) -> Iterator[Cluster]:
    cluster = Cluster(str(ROOT / model), directory, Ports.shifted(offset), replicas, env or {})
    try:
        cluster.start()
        cluster.wait_ready()
        yield cluster
    finally:
        cluster.stop()


def main(argv: list[str]) -> int:
    directory = Path(os.environ.get("CLUSTER_DIR") or ROOT / "var" / "cluster")
    ports = Ports.shifted(int(os.environ.get("CLUSTER_PORT_OFFSET", "0")))
    cluster = Cluster(os.environ.get("MODEL", ""), directory.resolve(), ports)
    if argv[:1] == ["status"]:
        print(cluster.supervisorctl("status"), end="")
        return 0
    if argv[:1] == ["kill"] and len(argv) == 2:
        print(f"killed {argv[1]} (pid {cluster.kill(argv[1])})")
        return 0
    if argv[:1] != ["up"] or not cluster.model:
        print(__doc__, file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        cluster.start()
        print("waiting for the replicas (Rasa takes about a minute to load a model)...", flush=True)
        url = cluster.wait_ready()
        print(
            f"READY: {url} ({cluster.replicas} replicas of each service; logs in {cluster.log})", flush=True
        )
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave half of it running
        print("stopping the cluster...", flush=True)
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
