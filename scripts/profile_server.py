"""Where a loaded server's time goes: py-spy samples the served app while simulated students use it.

    python -m scripts.profile_server --students 30 --seconds 40 [--link ...] [--own-models]

Prints the share of GIL-holding samples by area (Plotly, Streamlit's machinery, training, snapshots, ...) and the load
test's result. Needs py-spy (pip install py-spy) and permission to sample a child process (root, or ptrace allowed).
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from scripts.load import run_class
from scripts.served_app import serve_app

# The first matching fragment of a frame's file path names the area it counts for (innermost frame first wins).
AREAS = [
    ("plotly", "plotly/"),
    ("training", "rnn_core/train/trainer.py"),
    ("snapshots", "rnn_core/inspect/probes.py"),
    ("torch", "torch/"),
    ("figures (ours)", "rnn_core/viz/"),
    ("pandas", "pandas/"),
    ("websocket and messages", "streamlit/web/"),
    ("websocket and messages", "starlette/"),
    ("websocket and messages", "uvicorn/"),
    ("websocket and messages", "websockets/"),
    ("websocket and messages", "google/protobuf"),
    ("script runner and fragments", "streamlit/runtime/"),
    ("elements", "streamlit/elements/"),
    ("elements", "streamlit/delta_generator"),
    ("streamlit, other", "streamlit/"),
    ("the app's own code", "/ui/"),
    ("the app's own code", "/pages/"),
    ("the app's own code", "app.py"),
    ("rnn_core, other", "rnn_core/"),
]


def area_of(stack: str) -> str:
    """The library a sample was in: the innermost frame that belongs to one of AREAS."""
    for frame in reversed(stack.split(";")):
        for area, fragment in AREAS:
            if fragment in frame:
                return area
    return "other"


def thread_of(stack: str) -> str:
    """The kind of server thread a sample was in: the event loop (websockets, message queues), a session's script
    run, or the thread that reads the training processes' reports."""
    if "script_runner.py" in stack:
        return "script runs"
    if "_listen" in stack:
        return "training reports"
    if "asyncio" in stack or "uvicorn" in stack or "starlette" in stack:
        return "event loop"
    return "other"


def caller_of(stack: str) -> str:
    """Which of the project's own functions the sample was under (the innermost one), e.g. ``ui/training.py:advance``."""
    for frame in reversed(stack.split(";")):
        name, _, where = frame.partition(" (")
        path = where.split(":")[0]
        for root in ("rnn_core/", "ui/", "pages/", "app.py"):
            if root in path and "site-packages" not in path:
                return f"{path[path.index(root) :]}:{name.strip()}"
    return "Streamlit and the server, outside the project's code"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--link", default="")
    parser.add_argument("--own-models", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, serve_app() as server:
        out = Path(tmp) / "stacks.txt"
        result = {}
        load = threading.Thread(
            target=lambda: result.update(run_class(server.url, args.students, args.seconds, args.link, args.own_models)), daemon=True
        )
        load.start()
        duration = int(args.seconds * 0.8)
        subprocess.run(
            [
                str(Path(sys.executable).with_name("py-spy")),
                "record",
                "--gil",  # the server process only: its training processes have interpreters of their own
                "--threads",
                "--format",
                "raw",
                "--rate",
                "50",
                "--duration",
                str(duration),
                "--pid",
                str(server.pid),
                "--output",
                str(out),
            ],
            check=True,
            capture_output=True,
        )
        load.join()
        areas, callers, threads = collections.Counter(), collections.Counter(), collections.Counter()
        for line in out.read_text().splitlines():
            stack, _, n = line.rpartition(" ")
            areas[area_of(stack)] += int(n)
            callers[caller_of(stack)] += int(n)
            threads[thread_of(stack)] += int(n)
    total = sum(areas.values()) or 1
    print(json.dumps(result))
    print(f"GIL samples: {total} (by library, innermost frame)")
    for area, n in areas.most_common():
        print(f"  {area:30s} {100 * n / total:5.1f} %")
    print("by thread:")
    for thread, n in threads.most_common():
        print(f"  {thread:30s} {100 * n / total:5.1f} %")
    print("by the project's own code they ran under:")
    for caller, n in callers.most_common(15):
        print(f"  {caller:60s} {100 * n / total:5.1f} %")


if __name__ == "__main__":
    main()
