"""Training speed of our engine against plain PyTorch doing the same work, measured side by side.

Ours is :class:`rnn_core.train.trainer.Trainer` exactly as the app drives it (divergence checks, history
rows, probe snapshots at the app's default cadence). The baseline is what a student would write:
``torch.nn.RNN/LSTM/GRU`` + ``Linear``, the same optimiser as torch runs it by default (ours runs Adam's fused
kernel: ``make_optimizer``), clipping, TBPTT chunks, batches and loss. Both get the same warm-up and run in
alternating rounds, so load on the machine hits both.

The app takes a costly snapshot beside training, from a copy of the model, on the training process's snapshot thread,
and a cheap one in training's way (rnn_core.inspect.probes.Snapshots). What training waits for is what a block of
steps with a snapshot taken the app's way lasts beyond the same block without one: the whole snapshot, or the copy and
the share of the interpreter lock and of the machine the snapshot takes beside. That wait is spread over the steps
between two snapshots: ``seconds per step at cadence = step + wait / probe_every``. That is what the app pays, on a
machine with a core to spare for the snapshot thread; on a busy server its work comes out of the other runs' share
(the class bench measures that whole). The snapshot's own work is timed too, taken alone.
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from bench.plain_linear import PLAIN_LINEAR
from rnn_core.config import ExperimentConfig, ModelConfig, TaskConfig, TrainConfig
from rnn_core.data.tasks import Task, make_task
from rnn_core.inspect.probes import Snapshots
from rnn_core.train.trainer import Trainer, make_optimizer

BENCH_CELLS = ("rnn_tanh", "rnn_relu", "lstm", "gru")  # torch.nn's recurrent cells; the MLP has no torch.nn twin
BENCH_TASKS = ("next_number", "sine", "copy", "adding", "parity", "characters", "series")
LINEAR_CELLS = tuple(PLAIN_LINEAR)  # against bench.plain_linear's loops, on three tasks: a sequence of numbers, symbols, text
LINEAR_TASKS = ("sine", "copy", "characters")
LARGE = ExperimentConfig(
    task=TaskConfig(name="characters", seq_len=200, text_source="grammar"),
    model=ModelConfig(cell="lstm", hidden_size=256, num_layers=2),
    train=TrainConfig(batch_size=64),
)
NO_PROBES = 100_000  # a probe_every that never fires while timing steps


def bench_series() -> np.ndarray:
    """The series the 'Your own series' task trains on here: a noisy daily temperature-like curve."""
    days = np.arange(730)
    return 12 + 8 * np.sin(2 * np.pi * days / 365) + np.random.default_rng(0).normal(0, 1.5, days.size)


def bench_task(config: TaskConfig) -> Task:
    return make_task(config, user_series=bench_series(), column="temperature") if config.name == "series" else make_task(config)


def default_configs() -> list[tuple[str, ExperimentConfig]]:
    """The app's default configuration for each task and recurrent cell, then the large one."""
    base = ExperimentConfig()
    pairs = [(task, cell) for task in BENCH_TASKS for cell in BENCH_CELLS] + [(t, c) for t in LINEAR_TASKS for c in LINEAR_CELLS]
    configs = [(f"{task} · {cell}", base.with_changes(task={"name": task}, model={"cell": cell})) for task, cell in pairs]
    return configs + [("large: characters · lstm 256×2, T=200, B=64", LARGE)]


class PlainModel(nn.Module):
    """The baseline: torch's fused recurrent module (or bench.plain_linear's loop) and a linear head, nothing else."""

    def __init__(self, config: ModelConfig, task: Task):
        super().__init__()
        self.task, self.tokens = task, task.tokens
        if config.cell in PLAIN_LINEAR:  # one direction: the bench's configurations are
            self.rnn = PLAIN_LINEAR[config.cell](task.input_size, config.hidden_size, config.num_layers)
        else:
            kind = {"rnn_tanh": nn.RNN, "rnn_relu": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[config.cell]
            extra = {"nonlinearity": "relu" if config.cell == "rnn_relu" else "tanh"} if kind is nn.RNN else {}
            self.rnn = kind(
                task.input_size, config.hidden_size, config.num_layers, batch_first=True,
                dropout=config.dropout, bidirectional=config.bidirectional, **extra,
            )  # fmt: skip
        self.head = nn.Linear(config.hidden_size * (2 if config.bidirectional else 1), task.output_size)

    def forward(self, x, state=None):
        if self.tokens:
            x = F.one_hot(x, self.task.input_size).float()  # (B, T, V)
        features, state = self.rnn(x, state)  # (B, T, D*H)
        if self.task.many_to_one:
            features = features[:, -1]  # (B, D*H)
        return self.head(features), state


class PlainTraining:
    """One optimiser step of the baseline per call, on the task's own batches and the same TBPTT chunks as ours."""

    def __init__(self, config: ExperimentConfig, task: Task):
        torch.manual_seed(config.seed)
        self.config, self.task = config, task
        self.model = PlainModel(config.model, task)
        self.optimizer = make_optimizer(config, self.model.parameters(), fused_adam=False)  # torch's default, as a student writes it
        self.generator = torch.Generator().manual_seed(config.seed)
        self.pending, self.state = [], None

    def step(self) -> None:
        if not self.pending:
            batch = self.task.sample(self.config.train.batch_size, self.generator)
            k = self.config.train.tbptt
            if k and k < self.task.seq_len and not self.task.many_to_one:
                self.pending = [
                    (batch.x[:, s : s + k], batch.y[:, s : s + k], batch.mask[:, s : s + k]) for s in range(0, self.task.seq_len, k)
                ]
            else:
                self.pending = [(batch.x, batch.y, batch.mask)]
            self.state = None
        x, y, mask = self.pending.pop(0)
        prediction, state = self.model(x, self.state)
        self.state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        if not self.task.many_to_one:
            prediction, y = prediction[mask], y[mask]
        loss = F.mse_loss(prediction, y) if self.task.kind == "regression" else F.cross_entropy(prediction, y)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        clip = self.config.train.clip_norm
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), clip if clip > 0 else float("inf"))
        self.optimizer.step()


@dataclass
class TrainingResult:
    name: str
    ours_steps_per_s: float  # training steps alone
    snapshot_ms: float  # one probe snapshot's work, taken alone: forward and backward with everything recorded
    wait_ms: float  # what training waits for a snapshot taken beside it, as the app takes them: the rounds' median
    waits_ms: list[float]  # ... each round's, for the spread
    ours_at_cadence: float  # steps per second with a snapshot every probe_every steps, as the app runs
    plain_steps_per_s: float
    probe_every: int
    ratio: float  # ours at cadence ÷ plain, the median over rounds in which both ran back to back


def timed(fn, repeats: int = 1) -> float:
    """Seconds per call of ``fn``, averaged over ``repeats`` calls."""
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats


def measure_training(name: str, config: ExperimentConfig, rounds: int = 10, block_seconds: float = 0.075) -> TrainingResult:
    """Steps per second of ours and of plain PyTorch in alternating rounds: medians, and the median of the rounds' ratios
    (a neighbour's load on a shared machine slows both sides of a round alike). In each round ours runs a block
    alone and a block with a snapshot taken the app's way, and plain its block, each first, second and third in turn;
    a snapshot taken alone before them, timed, is its work (what it leaves cold, the round's first block pays).

    The blocks take turns at going first: a side that runs second in a round ran up to 3 % faster or slower than it
    would first, depending on the configuration. Ten rounds of 0.075 s a side give ratios as steady
    as seven of 0.2 s did (run to run, on a shared machine, they move by a few hundredths either way) in 60 % of the
    time: short rounds pair the two sides closely in time, and many of them outvote a burst of load. Snapshots spread
    over the rounds likewise outvote a burst better than a run of them in one go. A model whose single step outlasts a
    block (the large one) gets four rounds of one step: its long steps vary little.

    Plain PyTorch runs as a student's loop would, without flushing denormal numbers to zero; ours flushes them while
    it trains (rnn_core.train.denormals.flushing_denormals): where a state decays into them (the S6 layer), part of the
    difference is that arithmetic.
    """
    probe_every = config.train.probe_every
    timing = config.with_changes(train={"probe_every": NO_PROBES})
    task = bench_task(config.task)
    beside = ThreadPoolExecutor(max_workers=1)  # the training process's snapshot thread
    ours, plain, kept, alone = Trainer(timing, task), PlainTraining(timing, task), Snapshots(beside=beside), Snapshots()
    timed(lambda: ours.run(1), 3)  # warm-up: a process's first steps (the first configuration's took 350 ms) and a cell's
    timed(plain.step, 3)
    one_step = timed(lambda: ours.run(1), 3)  # the size of a block, from warm steps
    repeats = max(1, round(block_seconds / one_step))
    kept.take(ours)  # the first is taken in training's way and timed: the app's way with the next ones follows from it
    kept.settle()
    ours_times, with_snapshot_times, plain_times, snapshots = [], [], [], []

    def with_snapshot() -> None:
        kept.take(ours)
        ours.run(repeats)
        kept.settle()  # one that outlasts the block counts in full, though the app's next one is probe_every steps on

    blocks = [
        lambda: ours_times.append(timed(lambda: ours.run(1), repeats)),
        lambda: with_snapshot_times.append(timed(with_snapshot)),
        lambda: plain_times.append(timed(plain.step, repeats)),
    ]
    for i in range(rounds if repeats > 1 else 4):
        snapshots.append(timed(lambda: alone.take(ours)))
        for block in blocks[i % 3 :] + blocks[: i % 3]:  # whichever block runs first or later in a round gains or loses by it
            block()
    beside.shutdown()
    waits = [w - o * repeats for w, o in zip(with_snapshot_times, ours_times)]
    wait = max(0.0, statistics.median(waits))
    per_snapshot = wait / probe_every
    return TrainingResult(
        name=name,
        ours_steps_per_s=1 / statistics.median(ours_times),
        snapshot_ms=statistics.median(snapshots) * 1e3,
        wait_ms=wait * 1e3,
        waits_ms=[w * 1e3 for w in waits],
        ours_at_cadence=1 / (statistics.median(ours_times) + per_snapshot),
        plain_steps_per_s=1 / statistics.median(plain_times),
        probe_every=probe_every,
        ratio=statistics.median(p / (o + per_snapshot) for o, p in zip(ours_times, plain_times)),
    )
