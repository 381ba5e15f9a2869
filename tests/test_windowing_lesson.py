"""The windowing lesson's parameter counts by formula, and which weights meet each position."""

from __future__ import annotations

from rnn_core.lessons.windowing import BASE, config_of, parameters_by_window, weights_per_position


def test_the_mlp_pays_hidden_times_inputs_for_every_step_of_window_and_the_lstm_nothing():
    H, inputs, outputs = BASE.model.hidden_size, BASE.task.symbols + 1, BASE.task.symbols  # one-hot symbols and "go"
    table = parameters_by_window([1, 10, 25])
    assert table["MLP on windows"].tolist() == [H * inputs * w + H + outputs * H + outputs for w in (1, 10, 25)]
    assert set(table["LSTM"]) == {4 * H * (inputs + H) + 8 * H + outputs * H + outputs}


def test_each_window_position_has_its_own_block_of_weights():
    blocks = weights_per_position(config_of("MLP, window 10"))
    assert blocks["steps ago"].tolist() == list(range(10)) and blocks["weights"][0] == "columns 45…49 of layers[0]"
    assert blocks["weights"][9] == "columns 0…4 of layers[0]"  # the oldest step comes first in the window's input
