"""The layer for a configuration's cell name (``"rnn_relu"``, ``"lstm"``, ``"mingru"``, ...): ours, step by step, or the
fast one that training runs on (torch's fused kernels; a linear recurrence's own forward, which is a scan over time)."""

from __future__ import annotations

from torch import nn

from rnn_core.nn.cell_facts import CELLS, STATE_SIZE
from rnn_core.nn.layers import GRU, LSTM, RNN
from rnn_core.nn.linear_layers import MinGRU, MinLSTM
from rnn_core.nn.state_space_layers import LRU, SelectiveSSM

_LINEAR = {"MINGRU": MinGRU, "MINLSTM": MinLSTM, "LRU": LRU, "S6": SelectiveSSM}  # their forward is the fast path: a scan
_STEPWISE = {"RNN_TANH": RNN, "RNN_RELU": RNN, "LSTM": LSTM, "GRU": GRU} | _LINEAR
_FAST = {"RNN_TANH": nn.RNN, "RNN_RELU": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU} | _LINEAR


def stepwise_layer(
    cell: str, input_size: int, hidden_size: int, num_layers: int = 1, *, state_size: int = STATE_SIZE, **kwargs
) -> nn.Module:
    """Our layer for a configuration's cell name, whose ``record()`` keeps every step; ``kwargs`` as torch's, and
    ``state_size`` for the selective state-space layer (ignored by the others)."""
    return _STEPWISE[CELLS[cell].mode](input_size, hidden_size, num_layers, **_arguments(cell, state_size), **kwargs)


def fused_layer(
    cell: str, input_size: int, hidden_size: int, num_layers: int = 1, *, state_size: int = STATE_SIZE, **kwargs
) -> nn.Module:
    """The fastest layer for a configuration's cell name, with the same parameters: the path training runs on."""
    return _FAST[CELLS[cell].mode](input_size, hidden_size, num_layers, **_arguments(cell, state_size), **kwargs)


def _arguments(cell: str, state_size: int) -> dict:
    facts = CELLS[cell]
    return facts.torch_arguments() | ({"state_size": state_size} if facts.mode == "S6" else {})
