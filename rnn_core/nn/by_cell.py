"""The layer for a configuration's cell name (``"rnn_relu"``, ``"lstm"``, ``"mingru"``, ...): ours, step by step, or the
fast one that training runs on (torch's fused kernels; a linear recurrence's own forward, which is a scan over time)."""

from __future__ import annotations

from torch import nn

from rnn_core.nn.cell_facts import CELLS
from rnn_core.nn.layers import GRU, LSTM, RNN
from rnn_core.nn.linear_layers import MinGRU, MinLSTM

_STEPWISE = {"RNN_TANH": RNN, "RNN_RELU": RNN, "LSTM": LSTM, "GRU": GRU, "MINGRU": MinGRU, "MINLSTM": MinLSTM}
_FAST = {"RNN_TANH": nn.RNN, "RNN_RELU": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU, "MINGRU": MinGRU, "MINLSTM": MinLSTM}


def stepwise_layer(cell: str, input_size: int, hidden_size: int, num_layers: int = 1, **kwargs) -> nn.Module:
    """Our layer for a configuration's cell name, whose ``record()`` keeps every step; ``kwargs`` as torch's."""
    facts = CELLS[cell]
    return _STEPWISE[facts.mode](input_size, hidden_size, num_layers, **facts.torch_arguments(), **kwargs)


def fused_layer(cell: str, input_size: int, hidden_size: int, num_layers: int = 1, **kwargs) -> nn.Module:
    """The fastest layer for a configuration's cell name, with the same parameters: the path training runs on."""
    facts = CELLS[cell]
    return _FAST[facts.mode](input_size, hidden_size, num_layers, **facts.torch_arguments(), **kwargs)
