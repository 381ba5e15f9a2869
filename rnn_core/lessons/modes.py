"""Inputs and outputs: the ways a recurrent network is wired to a task, each on a model trained for it.

- many to one: read a whole sequence, answer once at the end (the adding problem, parity);
- many to many, aligned: one answer per input, at the same step (the next character);
- one to many: one input, then every output fed back as the next input (sampling text);
- sequence to sequence: an encoder reads, a decoder writes a sequence of its own length (``lessons/seq2seq.py``).

The first three are the app's own tasks and models (``Trainer``); this module holds their lesson configurations and
turns a trained model into the tables that show each mode at work.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch

from rnn_core.config import ExperimentConfig
from rnn_core.data.tasks import Characters, Task
from rnn_core.inspect.generate import sampling_steps
from rnn_core.train.models import SequenceModel


@dataclass(frozen=True)
class Mode:
    title: str
    reads: str  # what goes in, and when
    writes: str  # what comes out, and when
    examples: str  # where the app has it


MODES = {
    "many_to_one": Mode("Many to one", "a whole sequence, x_1 … x_T", "one answer, ŷ after step T", "the adding problem, parity"),
    "many_to_many": Mode("Many to many, aligned", "x_1 … x_T", "ŷ_1 … ŷ_T, one per input", "next character, sine, counting, copy"),
    "one_to_many": Mode("One to many", "one input x_1 (a start)", "ŷ_1 … ŷ_T, each fed back as the next input", "sampling text"),
    "seq2seq": Mode(
        "Sequence to sequence", "x_1 … x_S (encoder)", "y_1 … y_T, T ≠ S allowed (decoder)", "translation; here: reverse a string"
    ),
}

MANY_TO_ONE = {  # task -> the lesson's model for it, and how long it trains: each learns within the steps given (seed 0)
    "adding": (
        ExperimentConfig().with_changes(
            task={"name": "adding", "seq_len": 20}, model={"cell": "lstm"}, train={"lr": 0.01, "probe_every": 100_000}
        ),
        500,
    ),
    "parity": (
        ExperimentConfig().with_changes(
            task={"name": "parity", "seq_len": 6}, model={"cell": "gru"}, train={"lr": 0.01, "probe_every": 100_000}
        ),
        2000,
    ),
}
TEXT_STEPS = 400


def text_config(text_source: str) -> ExperimentConfig:
    """The lesson's character model for a text: an LSTM of 64 units on sequences of 40 characters."""
    return ExperimentConfig().with_changes(
        task={"name": "characters", "text_source": text_source, "seq_len": 40},
        model={"cell": "lstm", "hidden_size": 64},
        train={"lr": 0.01, "probe_every": 100_000},
    )


def readout_table(model: SequenceModel, task: Task, sequences: int = 4) -> pd.DataFrame:
    """Many to one on the probe batch: per sequence and step, the input, the head's reading of h_t (only the last one is
    trained: the others are what the model would answer if the sequence ended there), and the target.

    Columns ``sequence, step, input, readout, target``; for a classification task the readout is P(class 1).
    """
    if not task.many_to_one:
        raise ValueError(f"'{task.title}' answers at every step, not once at the end")
    batch = task.probe_batch(sequences)
    model.eval()
    with torch.no_grad():
        features, _ = model.features(batch.x)  # (B, T, H)
        readout = model.readout_each_step(features)  # (B, T, O)
    values = readout[..., 0] if task.kind == "regression" else torch.softmax(readout, dim=-1)[..., 1]  # (B, T)
    rows = []
    for b in range(sequences):
        labels, target = task.input_labels(batch.x[b]), task.output_label(batch.y[b].squeeze())
        for t in range(task.seq_len):
            rows.append({"sequence": b + 1, "step": t + 1, "input": labels[t], "readout": float(values[b, t]), "target": target})
    return pd.DataFrame(rows)


def aligned_table(model: SequenceModel, task: Characters, text: str) -> pd.DataFrame:
    """Many to many, aligned, on ``text``: at every step the character read, the target (the next one), the model's
    likeliest guess, the probability it gives the target and the loss L_t = −log of it."""
    if len(text) < 2:
        raise ValueError("give at least two characters: the first is read, the second is its target")
    ids = task.encode(text)  # (T + 1,)
    model.eval()
    with torch.no_grad():
        scores, _ = model(ids[:-1].unsqueeze(0))  # (1, T, V)
        probs = torch.softmax(scores[0], dim=-1)  # (T, V)
    targets = ids[1:]
    chosen = probs[torch.arange(len(targets)), targets]  # (T,)
    return pd.DataFrame(
        {
            "step t": range(1, len(targets) + 1),
            "reads x_t": [task.output_label(i) for i in ids[:-1]],
            "target y_t": [task.output_label(i) for i in targets],
            "guess": [task.output_label(i) for i in probs.argmax(-1)],
            "P(target)": chosen.tolist(),
            "loss L_t": (-chosen.log()).tolist(),
        }
    )


def one_to_many_table(model: SequenceModel, task: Characters, start: str, length: int, temperature: float, seed: int) -> pd.DataFrame:
    """One to many from ``start``: at every step what the model reads (its own last output), its three likeliest next
    characters and the one it drew."""
    rows = []
    for t, step in enumerate(sampling_steps(model, task, start, length, temperature, seed)):
        top = step.probabilities.topk(min(3, len(task.vocab)))
        rows.append(
            {
                "step t": t + 1,
                "reads": task.output_label(step.read),
                "likeliest next": "  ".join(f"{task.output_label(i)} {p:.2f}" for p, i in zip(top.values.tolist(), top.indices.tolist())),
                "draws": task.output_label(step.drawn),
            }
        )
    return pd.DataFrame(rows)


def diagram_columns(mode: str) -> tuple[list[dict], bool]:
    """The columns of ``viz.io_mode_diagram`` for a mode, over a few steps, and whether outputs feed back."""

    def column(t, x=True, y=True, part=0, state="h"):
        return {"input": f"x_{t}" if x is True else x, "state": f"{state}_{t}", "output": f"ŷ_{t}" if y is True else y, "part": part}

    if mode == "many_to_one":
        return [column(t, y="ŷ" if t == 4 else None) for t in range(1, 5)], False
    if mode == "many_to_many":
        return [column(t) for t in range(1, 5)], False
    if mode == "one_to_many":
        return [column(1)] + [column(t, x=f"ŷ_{t - 1}") for t in range(2, 5)], True
    if mode == "seq2seq":
        encoder = [column(t, y=None, state="e") for t in range(1, 4)]
        decoder = [column(1, x="<start>", y="y_1", part=1, state="d")]
        decoder += [column(t, x=f"y_{t - 1}", y=f"y_{t}" if t < 4 else "<end>", part=1, state="d") for t in range(2, 5)]
        return encoder + decoder, True
    raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
