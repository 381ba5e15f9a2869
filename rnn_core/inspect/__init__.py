"""Looking at a model: probe snapshots of its states, gates and gradients (``probes``), summaries of them
(``gate_stats``, ``analysis``, ``reports``), runs side by side (``compare``), exports and generated text."""
