"""Why the server trains with one torch thread: the default model with 1 and 2 threads, alone and beside a busy core.

On a shared server another session (or the page drawing) is always busy. torch's intra-op threads spin while
they wait for each other, so a second thread that has to share its core with other work slows a small model
down instead of speeding it up.
"""

from __future__ import annotations

import subprocess
import sys
import time

import torch

from rnn_core.config import ExperimentConfig
from rnn_core.data.tasks import make_task
from rnn_core.train.trainer import Trainer

BUSY = "import time\nend = time.time() + {seconds}\nwhile time.time() < end: pass"  # a core's worth of other work, bounded


def steps_per_second(threads: int, seconds: float) -> float:
    torch.set_num_threads(threads)
    config = ExperimentConfig().with_changes(train={"probe_every": 100_000})
    trainer = Trainer(config, make_task(config.task))
    trainer.run(5)  # warm-up
    start, done = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        done += trainer.run(5)
    return done / (time.perf_counter() - start)


def thread_comparison(seconds: float = 3.0) -> dict[str, float]:
    """Steps per second of the default model: {"alone, 1 thread": …, "alone, 2 threads": …, "beside a busy core, …": …}."""
    results = {}
    try:
        for busy in (False, True):
            other = subprocess.Popen([sys.executable, "-c", BUSY.format(seconds=4 * seconds + 10)]) if busy else None
            try:
                for threads in (1, 2):
                    where = "beside a busy core" if busy else "alone"
                    results[f"{where}, {threads} thread{'s' if threads > 1 else ''}"] = steps_per_second(threads, seconds)
            finally:
                if other is not None:
                    other.kill()
                    other.wait()
    finally:
        torch.set_num_threads(1)
    return results
