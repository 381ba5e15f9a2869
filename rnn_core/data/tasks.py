"""The toy sequence tasks: each draws reproducible batches and knows how to label what it shows (what every task
answers is in task.py).

Every batch is batch-first: inputs ``x`` are ``(B, T, I)`` floats, or ``(B, T)`` token ids
for tasks whose inputs are symbols (the model encodes them). Targets are ``(B, T, O)``
floats or ``(B, T)`` class ids for many-to-many tasks, ``(B, O)`` or ``(B,)`` for
many-to-one tasks. ``mask`` ``(B, T)`` marks the steps whose prediction counts.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from rnn_core.config import TaskConfig
from rnn_core.data.task import Batch, Task, every_step, read_windows, shown_char
from rnn_core.data.texts import BUILT_IN_TEXTS, check_user_text


class NextNumber(Task):
    name, title, kind, mode = "next_number", "Next number (counting)", "regression", "many_to_many"
    description = (
        "The counting sequence 1, 2, 3, … cut into windows of seq_len numbers (1..20 as 4 windows of 5). "
        "At every step the network sees one number and must say the next one. "
        "Numbers are divided by the largest one so that they stay near 1, where training works."
    )
    input_size = output_size = 1
    options = ("seq_len", "count_to")
    allows_bidirectional = False

    def __init__(self, count_to: int, seq_len: int):
        if count_to < seq_len:
            raise ValueError(f"counting to {count_to} gives no window of {seq_len} numbers: count further or shorten the sequence")
        self.count_to, self.seq_len = count_to, seq_len
        self.scale = float(count_to)

    def windows(self) -> Tensor:
        """The series cut into consecutive windows: ``(count_to // seq_len, seq_len)``, unscaled."""
        n = self.count_to // self.seq_len
        return torch.arange(1, n * self.seq_len + 1, dtype=torch.float32).view(n, self.seq_len)

    def sample(self, batch_size, generator):
        windows = self.windows()
        rows = windows[torch.randint(len(windows), (batch_size,), generator=generator)]  # (B, T)
        x, y = rows / self.scale, (rows + 1) / self.scale
        return Batch(x.unsqueeze(-1), y.unsqueeze(-1), every_step(batch_size, self.seq_len))

    def input_labels(self, x):
        return [str(round(v * self.scale)) for v in x.reshape(-1).tolist()]

    def output_label(self, value):
        return f"{float(value) * self.scale:.1f}"


class Sine(Task):
    name, title, kind, mode = "sine", "Sine wave", "regression", "many_to_many"
    input_size = output_size = 1
    options = ("seq_len", "period", "noise", "horizon")
    allows_bidirectional = False
    streams = True

    def __init__(self, seq_len: int, period: float, noise: float, horizon: int):
        self.seq_len, self.period, self.noise, self.horizon = seq_len, period, noise, horizon
        self.description = (
            f"A sine wave with a period of {period:g} steps, starting at a random phase{' with noise added' if noise else ''}. "
            f"At every step the network sees the current value and must forecast the value {horizon} step(s) ahead."
        )

    def stream_start(self, batch_size, generator):
        return torch.rand(batch_size, generator=generator) * self.period  # a random phase per row

    def stream_batch(self, positions, generator):
        t = torch.arange(self.seq_len, dtype=torch.float32) + positions.unsqueeze(1)  # (B, T)
        x = torch.sin(2 * math.pi * t / self.period)
        if self.noise:
            x = x + self.noise * torch.randn(x.shape, generator=generator)
        y = torch.sin(2 * math.pi * (t + self.horizon) / self.period)
        batch = Batch(x.unsqueeze(-1), y.unsqueeze(-1), every_step(positions.numel(), self.seq_len))
        return batch, (positions + self.seq_len) % self.period  # the wave repeats: the phase stays small


class Copy(Task):
    name, title, kind, mode = "copy", "Copy after a delay", "classification", "many_to_many"
    options = ("delay", "symbols")  # the sequence is delay + 1 steps long
    tokens = True
    allows_bidirectional = False

    def __init__(self, delay: int, symbols: int):
        self.delay, self.symbols = delay, symbols
        self.seq_len = delay + 1
        self.go = symbols  # the id after the symbols
        self.input_size, self.output_size = symbols + 1, symbols
        self.description = (
            f"The first step shows one of {symbols} symbols, then {delay - 1} random distracting symbols follow, then a 'go' "
            f"signal: at that moment the network must name the first symbol, seen {delay} steps earlier. Only that answer counts. "
            "A vanilla RNN forgets as the delay grows; an LSTM or GRU can learn to hold on."
        )

    def sample(self, batch_size, generator):
        x = torch.randint(self.symbols, (batch_size, self.seq_len), generator=generator)  # (B, T): distractors
        symbol = x[:, 0].clone()  # (B,) the one to remember
        x[:, -1] = self.go
        y = torch.zeros(batch_size, self.seq_len, dtype=torch.long)
        y[:, -1] = symbol
        mask = torch.zeros(batch_size, self.seq_len, dtype=torch.bool)
        mask[:, -1] = True
        return Batch(x, y, mask)

    def input_labels(self, x):
        names = [chr(ord("A") + i) for i in range(self.symbols)] + ["go"]
        return [names[i] for i in x.reshape(-1).tolist()]

    def output_label(self, value):
        return chr(ord("A") + int(value))


class Adding(Task):
    name, title, kind, mode = "adding", "Adding problem", "regression", "many_to_one"
    input_size, output_size = 2, 1

    def __init__(self, seq_len: int):
        if seq_len < 2:
            raise ValueError(f"the adding problem needs a sequence length of at least 2, got {seq_len}")
        self.seq_len = seq_len
        self.description = (
            f"Each of {seq_len} steps carries a random number between 0 and 1 and a marker. Exactly two steps are marked, "
            "one in each half. After the last step the network must give the sum of the two marked numbers: "
            "it has to notice the marks and remember the numbers across the noise."
        )

    def sample(self, batch_size, generator):
        values = torch.rand(batch_size, self.seq_len, generator=generator)  # (B, T)
        half = self.seq_len // 2
        first = torch.randint(half, (batch_size,), generator=generator)
        second = half + torch.randint(self.seq_len - half, (batch_size,), generator=generator)
        marks = torch.zeros(batch_size, self.seq_len)
        rows = torch.arange(batch_size)
        marks[rows, first] = 1.0
        marks[rows, second] = 1.0
        y = (values * marks).sum(dim=1, keepdim=True)  # (B, 1)
        return Batch(torch.stack([values, marks], dim=-1), y, every_step(batch_size, self.seq_len))

    def input_labels(self, x):
        return [f"{v:.2f}{'*' if m else ''}" for v, m in x.reshape(-1, 2).tolist()]


class Parity(Task):
    name, title, kind, mode = "parity", "Parity of bits", "classification", "many_to_one"
    input_size, output_size = 1, 2

    def __init__(self, seq_len: int):
        self.seq_len = seq_len
        self.description = (
            f"A string of {seq_len} random bits. After the last bit the network must say whether the number of ones is "
            "even (0) or odd (1). Every bit matters: flipping any one of them flips the answer."
        )

    def sample(self, batch_size, generator):
        bits = torch.randint(2, (batch_size, self.seq_len), generator=generator)  # (B, T)
        return Batch(bits.float().unsqueeze(-1), bits.sum(dim=1) % 2, every_step(batch_size, self.seq_len))

    def input_labels(self, x):
        return [str(int(v)) for v in x.reshape(-1).tolist()]


class Characters(Task):
    name, title, kind, mode = "characters", "Next character (text)", "classification", "many_to_many"
    options = ("seq_len", "text_source")
    tokens = True
    allows_bidirectional = False
    streams = True

    def __init__(self, text: str, seq_len: int, source: str, own_text: bool = False):
        self.text, self.source, self.own_text = text, source, own_text
        self.vocab = list(dict.fromkeys(text))  # in order of first appearance: h, e, l, o for "hello"
        self.index = {c: i for i, c in enumerate(self.vocab)}
        self.ids = torch.tensor([self.index[c] for c in text], dtype=torch.long)
        self.seq_len = min(seq_len, len(text) - 1)
        self.input_size = self.output_size = len(self.vocab)
        self.description = (
            f"A character-level language model on {'your text' if own_text else f'the {source} text'} "
            f"({len(text):,} characters, {len(self.vocab)} distinct). At every step the network reads one character "
            "and gives a score to each character of the vocabulary for what comes next."
        )

    def stream_start(self, batch_size, generator):
        return torch.randint(len(self.ids) - self.seq_len, (batch_size,), generator=generator)

    def stream_batch(self, positions, generator):
        windows, positions = read_windows(self.ids, positions, self.seq_len)
        return Batch(windows[:, :-1], windows[:, 1:], every_step(positions.numel(), self.seq_len)), positions

    def user_data(self):
        return {"user_text": self.text} if self.own_text else {}

    def encode(self, text: str) -> Tensor:
        unknown = sorted(set(text) - set(self.index))
        if unknown:
            raise ValueError(f"characters not in the vocabulary: {' '.join(map(repr, unknown))}")
        return torch.tensor([self.index[c] for c in text], dtype=torch.long)

    def decode(self, ids) -> str:
        return "".join(self.vocab[int(i)] for i in ids)

    def input_labels(self, x):
        return [shown_char(self.vocab[i]) for i in x.reshape(-1).tolist()]

    def output_label(self, value):
        return shown_char(self.vocab[int(value)])


class Series(Task):
    name, title, kind, mode = "series", "Your own series (CSV)", "regression", "many_to_many"
    input_size = output_size = 1
    allows_bidirectional = False
    streams = True

    def __init__(self, values: np.ndarray, seq_len: int, column: str = "value"):
        values = np.asarray(values, dtype=float)
        if values.ndim != 1 or not np.all(np.isfinite(values)):
            raise ValueError("the series must be one column of finite numbers")
        if len(values) < seq_len + 1:
            raise ValueError(f"the series has {len(values)} numbers; a sequence length of {seq_len} needs at least {seq_len + 1}")
        self.raw = values  # the user's numbers as given, to rebuild or compare with later
        # Standardised through their largest magnitude first: finite numbers near 1e308 would overflow a plain mean,
        # spread or difference, and train on NaN.
        scale = float(np.abs(values).max()) or 1.0
        mean, std = float((values / scale).mean()), float((values / scale).std()) or 1.0
        self.mean, self.std = mean * scale, std * scale
        self.values = torch.tensor((values / scale - mean) / std, dtype=torch.float32)
        self.seq_len, self.column = seq_len, column
        self.description = (
            f"Your column '{column}' ({len(values):,} numbers), rescaled to mean 0 and standard deviation 1 and cut into "
            f"windows of {seq_len}. At every step the network sees one value and must forecast the next."
        )

    def user_data(self):
        return {"user_series": self.raw, "column": self.column}

    def stream_start(self, batch_size, generator):
        return torch.randint(len(self.values) - self.seq_len, (batch_size,), generator=generator)

    def stream_batch(self, positions, generator):
        windows, positions = read_windows(self.values, positions, self.seq_len)
        batch = Batch(windows[:, :-1].unsqueeze(-1), windows[:, 1:].unsqueeze(-1), every_step(positions.numel(), self.seq_len))
        return batch, positions

    def input_labels(self, x):
        return [f"{v * self.std + self.mean:.4g}" for v in x.reshape(-1).tolist()]

    def output_label(self, value):
        return f"{float(value) * self.std + self.mean:.4g}"


def make_task(config: TaskConfig, user_text: str | None = None, user_series: np.ndarray | None = None, column: str = "value") -> Task:
    """The task a configuration names. User data comes beside the configuration, never inside it."""
    if config.name == "next_number":
        return NextNumber(config.count_to, config.seq_len)
    if config.name == "sine":
        return Sine(config.seq_len, config.period, config.noise, config.horizon)
    if config.name == "copy":
        return Copy(config.delay, config.symbols)
    if config.name == "adding":
        return Adding(config.seq_len)
    if config.name == "parity":
        return Parity(config.seq_len)
    if config.uses_user_text:
        if user_text is None:
            raise ValueError("the 'custom' text source needs your text: paste or upload some")
        return Characters(check_user_text(user_text, 1), config.seq_len, config.text_source, own_text=True)
    if config.name == "characters":
        return Characters(BUILT_IN_TEXTS[config.text_source](), config.seq_len, config.text_source)
    if user_series is None:
        raise ValueError("'Your own series' needs a numeric column from a CSV file: upload one")
    return Series(user_series, config.seq_len, column)


TASK_CLASSES: dict[str, type[Task]] = {cls.name: cls for cls in (NextNumber, Sine, Copy, Adding, Parity, Characters, Series)}
