"""Runs kept side by side: the same task and seed trained with different settings, summarised for overlays."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rnn_core.config import CELL_TITLES, ExperimentConfig
from rnn_core.data.tasks import Task
from rnn_core.inspect.probes import ProbeSnapshot, take_snapshot
from rnn_core.train.trainer import Trainer

if TYPE_CHECKING:
    import pandas as pd

MAX_KEPT_RUNS = 8


@dataclass(frozen=True)
class RunSummary:
    """What a finished run leaves for comparison: its settings, its history and its insides at the end."""

    label: str
    config: ExperimentConfig
    history: pd.DataFrame
    final: ProbeSnapshot | None  # None for the windowing MLP, which has no recurrent state to probe

    @property
    def settings(self) -> dict:
        """The settings that tell runs apart, for tables and CSV files."""
        task, model, train = self.config.task, self.config.model, self.config.train
        return {
            "run": self.label,
            "task": task.name,
            "cell": model.cell,
            "hidden_size": model.hidden_size,
            "num_layers": model.num_layers,
            "optimizer": train.optimizer,
            "learning_rate": train.lr,
            "clip_norm": train.clip_norm,
            "seed": self.config.seed,
        }

    @property
    def steps(self) -> int:
        return int(self.history.step.iloc[-1]) if len(self.history) else 0


def summarise(trainer: Trainer, label: str | None = None, final: ProbeSnapshot | None = None) -> RunSummary:
    """A summary of a trainer (or a run's mirror) as it is now: its history, and ``final``, its insides at its current
    step (taken here when not given)."""
    config = trainer.config
    if label is None:
        label = f"{CELL_TITLES[config.model.cell]}, H={config.model.hidden_size}, seed {config.seed}, {trainer.step:,} steps"
    if final is None and trainer.model.recurrent:
        final = take_snapshot(trainer.model, trainer.task, trainer.probe, trainer.step)
    return RunSummary(label, config, trainer.history.copy(), final)


def unique_labels(runs: list[RunSummary]) -> list[RunSummary]:
    """The same runs, a label that repeats an earlier one numbered (#2, #3…): a chart's legend needs them distinct."""
    used: set[str] = set()
    out = []
    for run in runs:
        label, n = run.label, 1
        while label in used:
            n += 1
            label = f"{run.label} #{n}"
        used.add(label)
        out.append(run if label == run.label else replace(run, label=label))
    return out


CELLS_COMPARED = ("rnn_tanh", "lstm", "gru")
MAX_COMPARED_STEPS = 5000


def compared_configs(config: ExperimentConfig, steps: int, cells=CELLS_COMPARED) -> list[tuple[str, ExperimentConfig]]:
    """The same task, seed and training settings with each cell in turn: (label, configuration) for each."""
    if not 1 <= steps <= MAX_COMPARED_STEPS:
        raise ValueError(f"steps must be between 1 and {MAX_COMPARED_STEPS}, got {steps}")
    return [(f"{CELL_TITLES[cell]} (seed {config.seed})", config.with_changes(model={"cell": cell})) for cell in cells]


def train_cells(config: ExperimentConfig, task: Task, steps: int, cells=CELLS_COMPARED) -> list[RunSummary]:
    """Each cell trained ``steps`` steps here, in turn (fewer if a run diverges), summarised: for a notebook."""
    runs = []
    for label, cell_config in compared_configs(config, steps, cells):
        trainer = Trainer(cell_config, task)
        trainer.run(steps)
        runs.append(summarise(trainer, label))
    return runs
