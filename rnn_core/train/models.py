"""Sequence models: input encoding → recurrent layers → linear head, and the windowing baseline.

Training runs on torch's fused ``nn.RNN``/``LSTM``/``GRU`` (the fast path). ``model.twin()``
gives an ``rnn_core`` layer that *shares* those parameters (the teaching path): it computes
the same maths step by step (the parity tests prove it) and can ``record()`` every state.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rnn_core.config import ModelConfig
from rnn_core.data.tasks import Task
from rnn_core.nn.by_cell import fused_layer, stepwise_layer
from rnn_core.nn.cell_facts import CELLS, STATE_SIZE


class OneHot(nn.Module):
    """Token ids ``(B, T)`` → one-hot vectors ``(B, T, V)``; no parameters."""

    def __init__(self, vocab_size: int):
        super().__init__()
        self.vocab_size = vocab_size

    def forward(self, ids: Tensor) -> Tensor:
        return F.one_hot(ids, self.vocab_size).float()


class WindowMLP(nn.Module):
    """The windowing baseline: at step t an MLP sees only x_{t-W+1} … x_t (zeros before the start), no state.

    Returns features ``(B, T, H)`` like a recurrent layer's output, so the same head serves both.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int, window: int):
        super().__init__()
        self.window = window
        sizes = [input_size * window] + [hidden_size] * num_layers
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))

    def forward(self, x: Tensor) -> Tensor:
        B, T, F_in = x.shape  # batch, time, features
        padded = F.pad(x, (0, 0, self.window - 1, 0))  # (B, W-1+T, F)
        windows = padded.unfold(1, self.window, 1)  # (B, T, F, W)
        h = windows.transpose(2, 3).reshape(B, T, self.window * F_in)  # (B, T, W*F), oldest step first
        for layer in self.layers:
            h = torch.tanh(layer(h))
        return h  # (B, T, H)


class SequenceModel(nn.Module):
    """One model for every task: ``forward(x, state)`` returns ``(prediction, state)``.

    Predictions are ``(B, T, O)`` for many-to-many tasks and ``(B, O)`` for many-to-one.
    """

    def __init__(self, config: ModelConfig, task: Task):
        super().__init__()
        if config.bidirectional and not task.allows_bidirectional:
            raise ValueError(f"a bidirectional network would read the answer ahead of time on '{task.title}': turn bidirectional off")
        self.config, self.many_to_one, self.cell = config, task.many_to_one, config.cell
        features = input_features(config, task)
        if embeds(config, task):
            self.encoder: nn.Module = nn.Embedding(task.input_size, config.embedding_dim)
        else:
            self.encoder = OneHot(task.input_size) if task.tokens else nn.Identity()
        self.num_directions = 2 if config.bidirectional and config.cell != "mlp" else 1
        if config.cell == "mlp":
            self.rnn: nn.Module = WindowMLP(features, config.hidden_size, config.num_layers, config.window)
        else:
            dropout = config.dropout if config.num_layers > 1 else 0.0
            self.rnn = fused_layer(
                config.cell, features, config.hidden_size, config.num_layers,
                batch_first=True, dropout=dropout, bidirectional=config.bidirectional, state_size=config.state_size,
            )
        self.head = nn.Linear(self.num_directions * config.hidden_size, task.output_size)
        initialise(self, config)

    @property
    def recurrent(self) -> bool:
        return self.cell != "mlp"

    def features(self, x: Tensor, state=None) -> tuple[Tensor, object]:
        """Encoded inputs through the recurrent layers (or the MLP): ``(B, T, D*H)`` and the final state."""
        encoded = self.encoder(x)  # (B, T, F)
        if not self.recurrent:
            return self.rnn(encoded), None
        return self.rnn(encoded, state)

    def readout(self, features: Tensor) -> Tensor:
        """The head on every step (many-to-many) or on the summary of the sequence (many-to-one)."""
        if not self.many_to_one:
            return self.head(features)  # (B, T, O)
        return self.head(self.summary(features))  # (B, O)

    def readout_each_step(self, features: Tensor) -> Tensor:
        """The head at every step ``(B, T, O)``; for many-to-one, what it would answer if the sequence ended at t."""
        if not self.many_to_one or self.num_directions == 1:
            return self.head(features)
        H = self.config.hidden_size
        reverse = features[:, :1, H:].expand(-1, features.size(1), -1)  # the reverse direction has read everything at t=0
        return self.head(torch.cat([features[..., :H], reverse], dim=-1))

    def summary(self, features: Tensor) -> Tensor:
        """What a many-to-one head reads: the last step forwards, and the first step of the reverse direction."""
        if self.num_directions == 1:
            return features[:, -1]  # (B, H)
        H = self.config.hidden_size
        return torch.cat([features[:, -1, :H], features[:, 0, H:]], dim=-1)  # (B, 2H)

    def forward(self, x: Tensor, state=None):
        features, state = self.features(x, state)
        return self.readout(features), state

    def twin(self) -> nn.Module:
        """An rnn_core layer that shares this model's recurrent parameters: same weights, step by step, recordable."""
        if not self.recurrent:
            raise ValueError("the windowing MLP has no recurrent layer to record")
        rnn = self.rnn
        twin = stepwise_layer(
            self.cell, rnn.input_size, rnn.hidden_size, rnn.num_layers,
            batch_first=True, bidirectional=rnn.bidirectional, state_size=self.config.state_size, device="meta",
        )  # fmt: skip
        for name, param in rnn.named_parameters():
            setattr(twin, name, param)  # the same Parameter objects: nothing is copied, nothing can drift
        return twin.eval()


def initialise(model: SequenceModel, config: ModelConfig) -> None:
    """PyTorch's default (already applied), orthogonal recurrent blocks, or every parameter one constant.

    Orthogonal blocks are scaled by ``init_value`` (the gain): every eigenvalue of W_hh then has |λ| = gain, so a
    gain below 1 starts a plain RNN's gradients vanishing and a gain above 1 starts them exploding.

    Then, for gated cells, ``memory_gate_bias`` on the gate that keeps the memory: the LSTM's forget gate f and the
    GRU's update gate z (rows H..2H of both cells' biases), minLSTM's f. With PyTorch's default the gate starts near
    0.5, so a memory halves at every step and so does its gradient; a bias of 3 starts it near 0.95 (Gers et al., 2000).
    minGRU's z_t replaces h_{t−1} instead of keeping it, so its bias is set to minus the setting: z_t near 0.05.
    """
    if config.init == "constant":
        with torch.no_grad():
            for p in model.parameters():
                p.fill_(config.init_value)
    elif config.init == "orthogonal" and model.recurrent:
        H = config.hidden_size
        for name, p in model.rnn.named_parameters():
            if name.startswith("weight_hh"):
                for block in range(p.shape[0] // H):  # one H×H block per gate
                    nn.init.orthogonal_(p.data[block * H : (block + 1) * H], gain=config.init_value)
    cell = CELLS.get(config.cell)
    if config.memory_gate_bias and cell is not None and cell.memory_gate and config.init != "constant":
        H, block, bias = config.hidden_size, cell.memory_block, cell.memory_sign * config.memory_gate_bias
        with torch.no_grad():
            for name, p in model.rnn.named_parameters():
                if name.startswith("bias_"):
                    p[block * H : (block + 1) * H] = bias if name.startswith("bias_ih") else 0.0


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def parameter_formula(
    cell: str,
    input_size: int,
    hidden_size: int,
    output_size: int,
    num_layers: int = 1,
    bidirectional: bool = False,
    state_size: int = STATE_SIZE,
) -> int:
    """The notes' count, (H·H_in + H) + (H·H + H) + (k·H + k) for one plain RNN layer and its head,
    with G = 3 (GRU) or 4 (LSTM) times the recurrent part, D = 2 directions, and D·H inputs to layers above the first
    (the other cells' layers by their own shapes, ``Cell.parameter_shapes``).
    """
    D, H = 2 if bidirectional else 1, hidden_size
    layers = sum(CELLS[cell].layer_parameters(input_size if layer == 0 else D * H, H, D, state_size) for layer in range(num_layers))
    return layers + output_size * D * H + output_size


def embeds(config: ModelConfig, task: Task) -> bool:
    """The model learns an embedding of the task's symbols (else it one-hot encodes them, or reads numbers as they are)."""
    return task.tokens and config.encoding == "embedding"


def input_features(config: ModelConfig, task: Task) -> int:
    """How many numbers the first recurrent layer reads at each step, after the encoding."""
    return config.embedding_dim if embeds(config, task) else task.input_size


def multiply_adds_per_step(config: ModelConfig, task: Task, batch_size: int) -> float:
    """About how many multiply-adds one training step takes: each weight is used once per time step and
    sequence going forward, and about twice as often going back. A budget for shared servers, not a timing."""
    features = input_features(config, task)
    H = config.hidden_size
    if config.cell == "mlp":
        weights = features * config.window * H + (config.num_layers - 1) * H * H + H * task.output_size
    else:
        weights = parameter_formula(config.cell, features, H, task.output_size, config.num_layers, config.bidirectional, config.state_size)
        if config.cell == "s6":  # and its H × N state, updated and read at every step (about 6 operations per number)
            weights += 6 * H * config.state_size * config.num_layers * (2 if config.bidirectional else 1)
    return 3.0 * batch_size * task.seq_len * weights
