"""The 'Inside a layer' page, through AppTest: every cell type, its charts and their numbers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import rnn_core
from rnn_core.inspect.layer_snapshot import sine_wave, snapshot_layer
from tests.app.conftest import decode, plotly_figures


@pytest.fixture
def app(app):
    """This page, opened from the app's navigation."""
    app.switch_page("pages/inside_a_layer.py").run()
    assert not app.exception
    return app


CHARTS_PER_CELL = {"RNN (tanh)": 2, "RNN (ReLU)": 2, "LSTM": 2 + 1 + 4, "GRU": 2 + 3}


def titles(at) -> list[str]:
    return [fig["layout"]["title"]["text"] for fig in plotly_figures(at)]


def test_default_page_shows_the_hidden_states_and_gradient_of_a_tanh_rnn(app):
    assert app.title[0].value == "Inside one recurrent layer"
    assert titles(app) == ["Hidden state h_t", "How far back the gradient of L_T reaches (T = 40)"]
    heatmap = plotly_figures(app)[0]["data"][0]
    assert decode(heatmap["z"]).shape == (8, 40)  # units × time
    torch.manual_seed(0)
    expected = snapshot_layer(rnn_core.RNN(1, 8), sine_wave(40))
    np.testing.assert_allclose(decode(heatmap["z"]), expected.hidden.T, rtol=1e-5, atol=1e-6)
    line = plotly_figures(app)[1]["data"][0]
    np.testing.assert_allclose(decode(line["y"]), expected.grad_norm[expected.grad_norm > 0], rtol=1e-5)
    assert app.info[0].value.startswith("A plain RNN has no gates")


@pytest.mark.parametrize("cell", list(CHARTS_PER_CELL))
def test_every_cell_type_renders_its_gates(app, cell):
    app.selectbox(key="inside_cell").set_value(cell).run()
    assert not app.exception
    assert len(app.get("plotly_chart")) == CHARTS_PER_CELL[cell]
    if cell == "LSTM":
        assert titles(app)[2:] == ["Cell state c_t", "Input gate i_t", "Forget gate f_t", "Candidate cell g_t", "Output gate o_t"]
    if cell == "GRU":
        assert titles(app)[2:] == ["Reset gate r_t", "Update gate z_t", "New state n_t"]


def test_sliders_change_the_layer_and_the_page_still_has_its_chrome(app):
    app.slider(key="inside_hidden").set_value(3).run()
    app.slider(key="inside_seq_len").set_value(12).run()
    assert not app.exception
    assert decode(plotly_figures(app)[0]["data"][0]["z"]).shape == (3, 12)
    assert titles(app)[1].endswith("(T = 12)")
    assert app.title[0].value == "Inside one recurrent layer"  # still rendered after reruns
    assert app.sidebar.markdown[0].value == "## RNN Explorer"  # app.py ran too, not only the page


def test_larger_recurrent_weights_carry_the_gradient_further_back(app):
    def ratio():
        return float(app.metric[0].value)

    app.slider(key="inside_scale").set_value(0.5).run()
    small = ratio()
    app.slider(key="inside_scale").set_value(3.0).run()
    large = ratio()
    assert small < 1e-6 < large
