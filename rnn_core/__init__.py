"""rnn_core: recurrent networks that show their insides. Pure Python over PyTorch; never imports Streamlit.

- ``RNN``, ``LSTM``, ``GRU``: drop-in for ``torch.nn``'s, written one time step at a time,
  with ``record(x)`` returning a :class:`Recording` of every h_t, c_t and gate.
"""

from rnn_core.layers import GRU, LSTM, RNN
from rnn_core.recording import Recording

__all__ = ["GRU", "LSTM", "RNN", "Recording"]
