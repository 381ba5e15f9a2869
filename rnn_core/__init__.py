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

from importlib import import_module

_HOMES = {  # each public name -> the module it lives in: imported when first asked for (PEP 562), not with the package
    "ExperimentConfig": "config", "ModelConfig": "config", "TaskConfig": "config", "TrainConfig": "config",
    "make_task": "data.tasks", "sample_text": "inspect.generate", "top_k_next": "inspect.generate",
    "snapshot_layer": "inspect.layer_snapshot", "ProbeSnapshot": "inspect.probes", "Snapshots": "inspect.probes",
    "GRU": "nn.layers", "LSTM": "nn.layers", "RNN": "nn.layers", "MinGRU": "nn.linear_layers", "MinLSTM": "nn.linear_layers",
    "Recording": "nn.recording", "LRU": "nn.state_space_layers", "SelectiveSSM": "nn.state_space_layers",
    "read_checkpoint": "train.checkpoints", "restore_trainer": "train.checkpoints", "save_checkpoint": "train.checkpoints",
    "SequenceModel": "train.models", "Divergence": "train.trainer", "Trainer": "train.trainer",
}  # fmt: skip


def __getattr__(name: str):
    """``rnn_core.Trainer`` imports rnn_core.train.trainer on first use: a process that needs only the configuration
    (or a server starting its training processes before it imports torch: runs/processes.py) does not pay for torch."""
    if name in _HOMES:
        return getattr(import_module(f"rnn_core.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'rnn_core' has no attribute {name!r}")


__all__ = list(_HOMES)
