"""The training processes themselves: started by a server as early as it can, before it imports torch.

A training process (``python -m rnn_core.runs.worker``) spends about 2 s importing torch. Started when the server's
first session has imported torch and the app (about 3 s), it kept that session waiting for both, one after the other;
started first, the two imports run side by side on two cores. So this module imports neither torch nor anything of
rnn_core's that does: ``app.py`` calls :func:`start_early` on its first line, and the
:class:`~rnn_core.runs.service.TrainingService` takes the processes already started before it starts any more.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_early: list[tuple[subprocess.Popen, Connection]] = []  # started by start_early, not yet taken
_lock = threading.Lock()
_started = False  # start_early has run in this process


def spawn() -> tuple[subprocess.Popen, Connection]:
    """A training process and this process's end of a socket pair to it.

    Not multiprocessing's spawn: it would run the server's main script (Streamlit's ``app.py``) again in the child.
    """
    ours, theirs = socket.socketpair()
    process = subprocess.Popen([sys.executable, "-m", "rnn_core.runs.worker", str(theirs.fileno())], pass_fds=[theirs.fileno()], cwd=ROOT)
    theirs.close()
    return process, Connection(ours.detach())


def start_early(count: int) -> None:
    """Start ``count`` training processes now, once per server process, for the TrainingService to take later."""
    global _started
    with _lock:
        if _started:
            return
        _started = True
        _early.extend(spawn() for _ in range(count))


def take() -> tuple[subprocess.Popen, Connection]:
    """A process started early, if one is left; else a new one."""
    with _lock:
        if _early:
            return _early.pop(0)
    return spawn()
