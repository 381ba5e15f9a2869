"""rnn_core: recurrent networks that show their insides. Pure Python over PyTorch; never imports Streamlit.

The package is in layers, each importing only those above it in this list:

- ``config``: an experiment described as frozen, validated data (``ExperimentConfig`` and its parts);
- ``nn``: the cells, and ``RNN``, ``LSTM``, ``GRU`` written one time step at a time (drop-in for torch's) and the
  linear recurrences ``MinGRU``, ``MinLSTM``, ``LRU``, ``SelectiveSSM``, whose ``record(x)`` returns a :class:`Recording`
  of every h_t, c_t and gate;
- ``data``: texts and the tasks that make batches of them (``make_task``);
- ``train``: the model, its loss, the ``Trainer``, its history and checkpoints;
- ``inspect``: probe snapshots, summaries, comparisons, exports and generated text;
- ``viz``: figures as plain Plotly specs;
- ``lessons``: the lecture notes' computations;
- ``runs``: training in processes beside a web server, and runs shared between its sessions.

The names below are the public API (the README's "rnn_core in a notebook").
"""

from rnn_core.config import ExperimentConfig, ModelConfig, TaskConfig, TrainConfig
from rnn_core.data.tasks import make_task
from rnn_core.inspect.generate import sample_text, top_k_next
from rnn_core.inspect.layer_snapshot import snapshot_layer
from rnn_core.inspect.probes import ProbeSnapshot, Snapshots
from rnn_core.nn.layers import GRU, LSTM, RNN
from rnn_core.nn.linear_layers import MinGRU, MinLSTM
from rnn_core.nn.recording import Recording
from rnn_core.nn.state_space_layers import LRU, SelectiveSSM
from rnn_core.train.checkpoints import read_checkpoint, restore_trainer, save_checkpoint
from rnn_core.train.models import SequenceModel
from rnn_core.train.trainer import Divergence, Trainer

__all__ = [
    "GRU", "LRU", "LSTM", "RNN", "Divergence", "ExperimentConfig", "MinGRU", "MinLSTM", "ModelConfig", "ProbeSnapshot",
    "Recording", "SelectiveSSM", "SequenceModel", "Snapshots", "TaskConfig", "TrainConfig", "Trainer", "make_task", "read_checkpoint",
    "restore_trainer", "sample_text", "save_checkpoint", "snapshot_layer", "top_k_next",
]
