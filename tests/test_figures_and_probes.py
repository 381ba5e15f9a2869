"""Figure builders and layer snapshots: labelled figures, the right data, honest about zeros."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.testing import assert_close

import rnn_core
from rnn_core.figures import LECTURE_TEMPLATE, gradient_norm_chart, state_heatmap
from rnn_core.probes import sine_wave, snapshot_layer


def test_state_heatmap_puts_units_on_rows_and_time_on_columns():
    values = np.arange(12.0).reshape(4, 3)  # (T=4, H=3)
    fig = state_heatmap(values, "Hidden state h_t", "h")
    heatmap = fig.data[0]
    np.testing.assert_array_equal(np.asarray(heatmap.z), values.T)
    assert list(heatmap.x) == [1, 2, 3, 4]
    assert heatmap.zmid == 0
    assert fig.layout.title.text == "Hidden state h_t"
    assert fig.layout.xaxis.title.text == "time step t"
    assert fig.layout.yaxis.title.text == "hidden unit"
    assert fig.layout.template.layout.font.size == LECTURE_TEMPLATE.layout.font.size >= 16


def test_bounded_heatmap_spans_zero_to_one():
    heatmap = state_heatmap(np.full((2, 2), 0.5), "Forget gate f_t", "f", bounded=True).data[0]
    assert (heatmap.zmin, heatmap.zmax) == (0.0, 1.0)


def test_state_heatmap_rejects_other_shapes():
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        state_heatmap(np.zeros(3), "x", "h")


def test_gradient_chart_is_logarithmic_and_says_when_it_leaves_zeros_out():
    fig = gradient_norm_chart(np.array([0.0, 1e-3, 1e-1, 1.0]), "Gradient")
    assert fig.layout.yaxis.type == "log"
    assert list(fig.data[0].x) == [2, 3, 4]
    assert "1 step(s)" in fig.layout.title.subtitle.text
    assert gradient_norm_chart(np.ones(3), "Gradient").layout.title.subtitle.text is None


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
