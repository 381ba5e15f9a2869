"""The real app for tools that drive it from outside: a server on a free loopback port, a browser's idea of idle,
and the few ways to read and press the sidebar that every driver needs.

Used by scripts/screenshots.py, scripts/sessions.py, bench/ and tests/e2e. Only loopback is ever served or contacted.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"  # Debian's; `playwright install` cannot download browsers here
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class AppServer:
    url: str
    pid: int

    def rss_mb(self) -> float:
        """The server process's resident memory, from /proc (Linux)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS line in /proc status")

    def children_rss_mb(self) -> float:
        """Resident memory of the server's child processes (its training processes), from /proc (Linux)."""
        total = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.pid:
                    total += AppServer("", int(stat.parent.name)).rss_mb()
            except (OSError, ValueError, RuntimeError):
                continue  # a process that ended meanwhile
        return total

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far (user + system), from /proc (Linux)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment for a served app, without the tests' in-process training (tests/conftest.py): a
    served app trains in worker processes unless ``extra`` says otherwise."""
    env = {k: v for k, v in os.environ.items() if k != "RNN_EXPLORER_TRAINING_SLOTS"}
    return {**env, **(extra or {})}


@contextmanager
def serve_app(
    log=subprocess.DEVNULL, timeout: float = 90, env: dict[str, str] | None = None, script: str = "app.py"
) -> Iterator[AppServer]:
    """`streamlit run app.py` with the project's own .streamlit/config.toml on loopback; yields it once healthy.

    ``env`` adds environment variables, e.g. the app's limits; ``script`` serves another app from the project's root
    the same way (the bench's floor, bench/floor/app.py).
    """
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        script,
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
    ]
    server = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=log, stderr=subprocess.STDOUT, env=server_environment(env))
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the app did not answer its health check within {timeout:g} s") from None
                time.sleep(0.3)
        yield AppServer(url, server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


@dataclass(frozen=True)
class ClassServers:
    """deploy/serve.sh running: HAProxy's URL, and each replica's process id and URL, by HAProxy's name for it."""

    url: str
    replicas: dict[str, tuple[int, str]]


@contextmanager
def serve_class(replicas: int = 2, timeout: float = 120, log=subprocess.DEVNULL) -> Iterator[ClassServers]:
    """``deploy/serve.sh`` with HAProxy on a free loopback port and ``replicas`` apps behind it; yields once HAProxy
    answers the health check through every replica. Stops them all (SIGTERM to its process group) on exit."""
    port = free_port()
    while any(_taken(port + i) for i in range(1, replicas + 1)):
        port = free_port()
    env = server_environment({"BIND": "127.0.0.1", "PYTHON": sys.executable})
    launcher = subprocess.Popen(
        ["bash", "deploy/serve.sh", str(replicas), str(port)],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        found: dict[str, tuple[int, str]] = {}
        deadline = time.monotonic() + timeout
        while len(found) < replicas:  # "replica r1: pid 123 on 127.0.0.1:8502"
            line = launcher.stdout.readline()
            if not line and launcher.poll() is not None:
                raise RuntimeError(f"deploy/serve.sh ended with {launcher.returncode} before its replicas started")
            if line.startswith("replica "):
                name, _, pid, _, where = line.split()[1:6]
                found[name.rstrip(":")] = (int(pid), f"http://{where}")
        url = f"http://127.0.0.1:{port}"
        for _, replica_url in found.values():
            _wait_healthy(replica_url, deadline, launcher)
        _wait_healthy(url, deadline, launcher)
        yield ClassServers(url, found)
    finally:
        try:
            os.killpg(launcher.pid, signal.SIGTERM)
            launcher.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(launcher.pid, signal.SIGKILL)


def _taken(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait_healthy(url: str, deadline: float, launcher: subprocess.Popen | None = None) -> None:
    while True:
        if launcher is not None and launcher.poll() is not None:
            raise RuntimeError(f"deploy/serve.sh ended with {launcher.returncode} (its log folder has the reason)")
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer its health check in time")
        time.sleep(0.3)


PAGE_STATE = """() => {
    const app = document.querySelector('[data-testid=stApp]');
    if (!app) return 'loading';
    if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return 'connecting';
    if (app.getAttribute('data-test-script-state') === 'running') return 'running';
    if (document.querySelectorAll('[data-stale=true], [data-testid=stSkeleton]').length) return 'stale';
    const charts = [...document.querySelectorAll('[data-testid=stPlotlyChart]')];
    if (charts.some(c => !c.querySelector('.js-plotly-plot .main-svg'))) return 'drawing';
    return 'idle';
}"""  # a JavaScript function: the page's state, 'idle' once connected, no script runs, nothing is stale and every chart has drawn


def wait_idle(page, quiet: float = 0.8, timeout: float = 60) -> float:
    """Wait until the page's state (PAGE_STATE) is idle for `quiet` seconds.

    Returns the seconds it took to become idle.
    """
    start, calm_since, state = time.monotonic(), None, "loading"
    while time.monotonic() - start < timeout:
        state = page.evaluate(PAGE_STATE)
        calm_since = (calm_since or time.monotonic()) if state == "idle" else None
        if calm_since and time.monotonic() - calm_since >= quiet:
            return calm_since - start
        time.sleep(0.1)
    raise AssertionError(f"the page did not become idle within {timeout} s (last state: {state})")


def sidebar_metric(page, label: str) -> str:
    metric = page.locator('[data-testid="stSidebar"] [data-testid="stMetric"]', has_text=label).first
    return metric.locator('[data-testid="stMetricValue"]').inner_text()


def step_count(page) -> int:
    """The training step the sidebar shows."""
    return int(sidebar_metric(page, "Step").replace(",", ""))


def sidebar_button(page, name: str):
    return page.locator('[data-testid="stSidebar"]').get_by_role("button", name=name, exact=True)


def nav(page, name: str) -> None:
    """Open a page from the sidebar's navigation."""
    page.locator('[data-testid="stSidebarNav"] a', has_text=name).first.click()
