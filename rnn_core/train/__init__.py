"""Training one experiment: the model around a recurrent layer (``models``), its loss (``losses``), the ``Trainer``
that steps it deterministically (``trainer``), its history (``history``) and its checkpoints (``checkpoints``)."""

from rnn_core.train.eager import use_methods_as_they_are

use_methods_as_they_are()  # once per process: no 2 s import of torch._dynamo at the first optimiser (eager.py)
