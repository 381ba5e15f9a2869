"""Training one experiment: the model around a recurrent layer (``models``), its loss (``losses``), the ``Trainer``
that steps it deterministically (``trainer``), its history (``history``) and its checkpoints (``checkpoints``)."""
