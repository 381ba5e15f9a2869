"""Snapshots of a bare layer (the Inside a layer lesson): the data matches the recording it came from."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.testing import assert_close

import rnn_core
from rnn_core.inspect.layer_snapshot import sine_wave, snapshot_layer


def test_sine_wave_is_one_feature_over_time():
    x = sine_wave(21, period=20.0)
    assert x.shape == (21, 1)
    assert_close(x[5, 0], torch.tensor(1.0))
    assert_close(x[20, 0], torch.tensor(0.0), atol=1e-6, rtol=0)
    with pytest.raises(ValueError, match="seq_len must be at least 1, got 0"):
        sine_wave(0)


@pytest.mark.parametrize("cell", [rnn_core.RNN, rnn_core.LSTM, rnn_core.GRU])
def test_snapshot_matches_the_recording_it_came_from(cell):
    torch.manual_seed(0)
    layer = cell(1, 5, num_layers=2)
    x = sine_wave(12)
    snap = snapshot_layer(layer, x, loss_step=7)
    rec = layer.record(x)
    assert_close(torch.from_numpy(snap.hidden), rec.hidden[1, 0])
    assert snap.loss_step == 7
    expected = rec.hidden_grad_norm(0.5 * rec.output[7].pow(2).sum())[1]
    assert_close(torch.from_numpy(snap.grad_norm), expected)
    assert np.all(snap.grad_norm[8:] == 0)  # a loss at step 7 reaches no later step
    assert (snap.cell is not None) == (cell is rnn_core.LSTM)
    assert all(g.shape == (12, 5) for g in snap.gates.values())
