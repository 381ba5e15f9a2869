"""The lesson pages through AppTest: the notes' numbers with their defaults, and after editing."""

from __future__ import annotations

import pytest

from tests.app.conftest import choose_tab
from ui.keys import MODES_VIEW


@pytest.fixture
def worked(app):
    app.switch_page("pages/worked_example.py").run()
    assert not app.exception
    return app


def forward_table(at):
    return at.dataframe[0].value


def test_worked_example_shows_the_notes_numbers_corrected(worked):
    table = forward_table(worked)
    first = table.iloc[0]
    assert (first["h_t"], first["ŷ_t"], first["y_t"], first["L_t"]) == (0.664, 0.797, 2.0, 0.724)
    assert table.iloc[1]["h_t"] == 0.959 and table.iloc[1]["ŷ_t"] == 1.151
    assert len(table) == 9  # ten inputs, nine targets
    assert worked.metric[0].value == "134.202"
    assert "0.724" in worked.info[0].value and "0.959" in worked.info[0].value


def test_bptt_by_hand_equals_autograd_and_one_step_lowers_the_loss(worked):
    comparison = worked.dataframe[2].value
    assert comparison["parameter"].tolist() == ["W_hh", "W_xh", "b_h", "W_hy", "b_y"]
    assert (comparison["difference"] < 1e-9).all()
    assert comparison.set_index("parameter").loc["W_hh", "autograd (PyTorch)"] == pytest.approx(-0.175251, abs=1e-6)
    assert worked.success[0].value == "Every hand-written gradient equals autograd's."
    assert any("(1 − h)²" in m.value and "1 − h²" in m.value for m in worked.markdown)
    before, after = float(worked.metric[1].value), float(worked.metric[2].value)
    assert after < before


def test_editing_the_numbers_recomputes_everything(worked):
    worked.number_input(key="we_w_hh").set_value(1.0).run()
    worked.text_input(key="we_inputs").set_value("0.5, -1, 2").run()
    table = forward_table(worked)
    assert len(table) == 2 and table.iloc[0]["h_t"] == round(__import__("math").tanh(0.8 * 0.5), 3)
    assert (worked.dataframe[2].value["difference"] < 1e-9).all()
    worked.text_input(key="we_inputs").set_value("1, two").run()
    assert worked.error[0].value.startswith("Those inputs cannot be used")
    worked.text_input(key="we_inputs").set_value("7").run()
    assert "at least two inputs" in worked.error[0].value


def test_shapes_page_counts_like_the_notes(app):
    app.switch_page("pages/shapes.py").run()
    assert app.metric[0].value == "43"
    assert app.markdown[1].value.endswith("= 43") or "= 43" in " ".join(m.value for m in app.markdown)
    tensors = app.table[0].value.set_index("tensor")["shape"]
    assert tensors["input x"] == "1 × 4 × 4" and tensors["h_n"] == "1 × 1 × 3" and tensors["output"] == "1 × 4 × 3"
    app.number_input(key="sh_input").set_value(1).run()
    app.number_input(key="sh_hidden").set_value(1).run()
    app.number_input(key="sh_out").set_value(2).run()
    assert app.metric[0].value == "8"
    app.selectbox(key="sh_cell").set_value("lstm").run()
    app.number_input(key="sh_input").set_value(4).run()
    app.number_input(key="sh_hidden").set_value(3).run()
    app.number_input(key="sh_out").set_value(4).run()
    assert app.metric[0].value == "124"
    names = app.table[1].value["parameter"].tolist()
    assert names == ["rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0", "head.weight", "head.bias"]
    app.checkbox(key="sh_bidir").check().run()
    app.checkbox(key="sh_batch_first").uncheck().run()
    tensors = app.table[0].value.set_index("tensor")["shape"]
    assert tensors["output"] == "4 × 1 × 6" and tensors["c_n"] == "2 × 1 × 3"


def test_hello_page_shows_one_step_then_trains_and_spells_hello(app):
    app.switch_page("pages/hello.py").run()
    assert not app.exception
    one_hot, scores, gradient, change = (app.dataframe[i].value for i in range(4))
    assert list(one_hot.columns) == ["h", "e", "l", "o"] and list(one_hot.index) == ["h → ?", "e → ?", "l → ?", "l → ?"]
    assert (one_hot.to_numpy().sum(axis=1) == 1).all()
    targets = ["e", "l", "l", "o"]
    for i, target in enumerate(targets):  # softmax − one-hot: negative only at the target
        values = gradient.iloc[i]
        assert values[target] < 0 and (values.drop(target) > 0).all()
    before, after = float(app.metric[0].value), float(app.metric[1].value)
    assert after < before
    app.number_input(key="hello_steps").set_value(300).run()
    app.button(key="hello_train").click().run()
    app.slider(key="hello_temperature").set_value(0.1).run()
    assert app.metric[2].value == "hello"


def test_stacked_page_draws_the_live_models_layers_and_directions(app):
    from tests.app.conftest import plotly_figures
    from ui.keys import config_widget as key

    app.sidebar.selectbox(key=key("task", "name")).set_value("adding").run()
    app.sidebar.slider(key=key("model", "num_layers")).set_value(2).run()
    app.sidebar.checkbox(key=key("model", "bidirectional")).check().run()
    app.switch_page("pages/stacked.py").run()
    assert not app.exception
    fig = plotly_figures(app)[0]
    assert fig["layout"]["title"]["text"] == "2 layer(s), both directions, unrolled over 4 steps"
    assert fig["layout"]["yaxis"]["ticktext"] == [
        "input x_t (2)",
        "layer 1 forward (32)",
        "layer 1 reverse (32)",
        "layer 2 forward (32)",
        "layer 2 reverse (32)",
        "output ŷ_t (1, from 64)",
    ]
    weights = app.dataframe[0].value.set_index("parameter")["shape"]
    assert weights["rnn.weight_ih_l1_reverse"] == "128 × 64"  # LSTM: 4·H rows, D·H columns from the layer below
    assert weights["head.weight"] == "1 × 64"


def test_parallel_page_computes_the_live_mingru_both_ways_and_times_them():
    from streamlit.testing.v1 import AppTest

    from rnn_core.lessons.parallel import LENGTHS
    from tests.app.conftest import APP, decode, plotly_figures

    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["cell"] = "mingru"
    at.run()
    at.sidebar.button(key="step").click().run()
    at.switch_page("pages/parallel.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("Your model's minGRU, layer 1, with its trained weights (10 training steps so far)" in c.value for c in at.caption)
    assert float(at.metric[0].value) < 1e-5
    both, kept, times = plotly_figures(at)  # the two ways in one figure of two panels
    loop_z, scan_z, kept_z = decode(both["data"][0]["z"]), decode(both["data"][1]["z"]), decode(kept["data"][0]["z"])
    assert loop_z.shape == scan_z.shape and abs(loop_z - scan_z).max() < 1e-5 and abs(loop_z).max() > 0
    assert kept_z.min() > 0 and kept_z.max() < 1 and "a_t = 1 − z_t from x_t" in kept["layout"]["title"]["text"]
    assert [t["name"] for t in times["data"]] == ["step by step", "by the scan"]
    table = at.table[0].value
    assert table["T"].tolist() == list(LENGTHS) and (table["scan (ms)"] > 0).all()


def test_parallel_page_uses_a_mingru_of_the_same_size_beside_an_lstm(app):
    app.switch_page("pages/parallel.py").run()
    assert not app.exception, [e.message for e in app.exception]
    assert any("Your model's cell, the LSTM, reads h_{t−1} through W_hh" in c.value and "untrained minGRU" in c.value for c in app.caption)


def test_rnn_by_hand_checks_a_students_prediction_against_pytorch(app):
    app.switch_page("pages/rnn_by_hand.py").run()
    assert not app.exception, [e.message for e in app.exception]
    assert any("Work out h_1" in i.value for i in app.info)  # the answers stay hidden until asked for
    app.selectbox(key="bh_example").set_value("[1, 2, −1, 1]: one sequence of 4 steps").run()
    app.text_input(key="bh_guess").set_value("0.99, 0.9999, 0.5").run()
    app.toggle(key="bh_show").set_value(True).run()
    table = app.dataframe[1].value
    assert table["nn.RNN's h_t"].tolist() == [0.9951, 0.9999, 0.964, 0.9993]
    assert table["yours within 0.001"].tolist() == ["no", "yes", "no", ""]
    assert table["by hand"][0] == "tanh(1 + 1 + 0.0000 + 1) = tanh(3.0000) = 0.9951"
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["h_n equals the output's last step"] == "yes" and metrics["output shape (N, L, H)"] == "1 × 4 × 1"
    assert float(metrics["Largest difference between the two forms"]) < 1e-6
    assert float(metrics["Largest change of any output"]) < 1e-6
    assert float(metrics["Largest difference, by hand against nn.RNN"]) < 1e-6
    app.text_input(key="bh_guess").set_value("0.9, zero").run()
    assert "'zero' is not a number" in app.error[0].value


def test_truncation_page_shows_the_cut_on_the_live_model_and_what_it_costs(monkeypatch):
    import numpy as np
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP, decode, plotly_figures

    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"task": "characters", "text_source": "grammar", "seq_len": "20", "tbptt": "5", "stateful": "1"})
    at.run()
    at.switch_page("pages/truncation.py").run()
    assert not at.exception, [e.message for e in at.exception]
    captions = " ".join(c.value for c in at.caption)
    assert "sequences of T = 20 steps, k = 5: 4 optimiser step(s) per batch" in captions
    assert "stateful, each batch goes on from the last" in captions
    from ui.keys import config_widget

    assert at.sidebar.checkbox(key=config_widget("train", "stateful")).value  # offered for a text, and set by the link
    assert at.slider(key="tbptt_lesson_k").value == 5  # the run's own k to start with
    profile, reach = plotly_figures(at)
    whole, cut = (decode(trace["y"]) for trace in profile["data"])
    assert len(whole) == 20 and len(cut) == 5  # the log axis drops the zeros: the truncated line has τ's piece only
    assert decode(profile["data"][1]["x"]).tolist() == [16, 17, 18, 19, 20]
    assert abs(cut[-1] - whole[-1]) < 1e-6 * whole[-1]  # at τ itself no path is cut
    right = decode(reach["data"][1]["z"])  # log10 norms, NaN where no path
    assert right.shape == (20, 20) and np.isnan(right[19, :15]).all() and np.isfinite(right[19, 15:]).all()
    assert [s["x0"] for s in reach["layout"]["shapes"]] == [5.5, 10.5, 15.5]

    at.slider(key="tbptt_lesson_k").set_value(10).run()
    _, reach = plotly_figures(at)
    assert [s["x0"] for s in reach["layout"]["shapes"]] == [10.5]
    assert not any("Your model is large" in c.value for c in at.caption)

    from rnn_core.lessons import truncation

    monkeypatch.setattr(truncation, "REACH_BUDGET", 4 * 4 * 20 * 32)  # four copies of the probe batch's h_t: a large model
    at.run()
    _, reach = plotly_figures(at)
    assert decode(reach["data"][0]["y"]).tolist() == [1, 7, 14, 20]  # τ counted from 1: the first and the last, evenly
    assert any("Your model is large: 4 of its 20 losses are drawn" in c.value for c in at.caption)
    monkeypatch.undo()

    at.button(key="tbptt_lesson_train").click().run()
    assert not at.exception, [e.message for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Accuracy at step 400, whole sequence"] == "100%"
    assert int(metrics["Accuracy at step 400, pieces of 10"].rstrip("%")) < 35  # chance is 25 %
    assert metrics["Chance (guessing one symbol of 4)"] == "25%"


def test_truncation_page_on_a_many_to_one_task_cuts_once_and_skips_the_heatmap(app):
    from tests.app.conftest import plotly_figures
    from ui.keys import config_widget as key

    app.sidebar.selectbox(key=key("task", "name")).set_value("adding").run()
    app.switch_page("pages/truncation.py").run()
    assert not app.exception, [e.message for e in app.exception]

    (profile,) = plotly_figures(app)  # one loss, at the end: a line, no heatmap
    assert "τ = " in profile["layout"]["title"]["text"]
    assert any("has sequences whole in themselves" in c.value for c in app.caption)
    assert key("train", "stateful") not in [c.key for c in app.sidebar.checkbox]  # not offered: nothing to continue


def test_errata_page_lists_every_slip_note_by_note_and_filters_by_kind(app):
    from rnn_core.lessons.errata import NOTES, errata

    app.switch_page("pages/errata.py").run()
    assert not app.exception, [e.message for e in app.exception]
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Slips found"] == str(len(errata()))
    assert sum(int(metrics[label]) for label in ("Wrong numbers", "Wrong formulas", "Wrong code", "Misleading wording")) == len(errata())
    assert [s.value for s in app.subheader] == [f"Note {n}: {t}" for n, t in NOTES.items()]
    first = app.table[0].value
    assert "0.959, ŷ⁽²⁾ = 1.151" in " ".join(first["correct"]) and len(app.table) == len(NOTES)
    assert any("9.01 up is exactly 1" in c.value for c in app.main.caption)
    app.multiselect(key="errata_kinds").set_value(["wrong number"]).run()
    shown = [t.value for t in app.table]
    assert sum(len(t) for t in shown) == int(metrics["Wrong numbers"])
    assert all(set(t["kind"]) == {"wrong number"} for t in shown)


def test_windowing_page_trains_a_short_window_a_long_one_and_an_lstm(app):
    from rnn_core.lessons.windowing import DELAY, STEPS

    app.switch_page("pages/windowing.py").run()
    assert not app.exception, [e.message for e in app.exception]
    assert f"sees steps {DELAY + 1 - 9}…{DELAY + 1}" in " ".join(m.value for m in app.markdown)
    app.button(key="windowing_train").click().run()
    assert not app.exception, [e.message for e in app.exception]
    summary = app.table[0].value
    accuracy = summary[f"accuracy at step {STEPS}"].tolist()
    assert accuracy[0] < 0.3 and accuracy[1:] == [1.0, 1.0]  # chance is 25 %
    assert summary["parameters"].tolist() == [1764, 4164, 5124]
    short, lstm = app.dataframe[0].value, app.dataframe[1].value
    assert len(short) == 10 and set(short["numbers"]) == {160} and lstm["numbers"].tolist() == [640]


def test_inputs_and_outputs_page_shows_each_mode_on_its_model(app):
    from rnn_core.lessons import seq2seq
    from rnn_core.lessons.modes import MODES
    from tests.app.conftest import decode, plotly_figures

    app.switch_page("pages/modes.py").run()
    assert not app.exception, [e.message for e in app.exception]
    assert app.table[0].value["mode"].tolist() == [m.title for m in MODES.values()]
    assert "Your model in the sidebar (Sine wave) is **many to many, aligned**" in app.markdown[0].value
    assert [t.label for t in app.tabs] == ["Many to one", "Many to many, aligned, and one to many", "Sequence to sequence"]

    app.button(key="modes_m2o_train").click().run()
    assert not app.exception, [e.message for e in app.exception]
    titles = [f["layout"]["title"]["text"] for f in plotly_figures(app)]
    assert "The head on every h_t: the answer if the sequence ended at t" in titles
    readouts = plotly_figures(app)[titles.index("The head on every h_t: the answer if the sequence ended at t")]["data"]
    for line in readouts:  # each sequence's answer after its last step is near its target, in the legend
        target = float(line["name"].split("target ")[1].rstrip(")"))
        assert abs(decode(line["y"])[-1] - target) < 0.25
    assert app.dataframe[0].value.shape == (4, 20)  # the four sequences' inputs, step by step

    choose_tab(app, MODES_VIEW, "Many to many, aligned, and one to many")
    app.button(key="modes_text_train").click().run()
    assert not app.exception, [e.message for e in app.exception]
    aligned = app.dataframe[0].value
    assert len(aligned) == 29 and aligned["target y_t"].tolist()[:3] == ["h", "e", "␣"]  # "the small …": each next character
    assert aligned["P(target)"].median() > 0.7  # the grammar is easy to predict within a word
    written = app.dataframe[1].value
    assert len(written) == 30 and written["reads"].tolist()[1:] == written["draws"].tolist()[:-1]
    assert app.metric[0].value == "t" + "".join(written["draws"])
    app.text_input(key="modes_probe").set_value("t").run()
    assert "This text cannot be read: give at least two characters" in app.error[0].value

    choose_tab(app, MODES_VIEW, "Sequence to sequence")
    app.button(key="modes_s2s_train").click().run()
    assert not app.exception, [e.message for e in app.exception]
    by_length, padded, effects = (d.value for d in app.dataframe[-3:])
    assert by_length["length"].tolist() == list(range(seq2seq.MIN_LENGTH, seq2seq.MAX_LENGTH + 1))
    assert by_length["trained packed"].iloc[:4].min() > 0.9 and by_length["trained packed, run on the pads"].iloc[0] == 0
    assert padded["length"].tolist() == [3, 6, 2, 8] and padded.iloc[0].tolist()[4:] == ["·"] * 5
    assert effects["trained packed, writes"].tolist()[:3] == ["CBA", "ABCDEF", "BA"]
    assert effects["positions in the loss"].tolist() == ["4 of 9", "7 of 9", "3 of 9", "9 of 9"]
    app.text_input(key="modes_strings").set_value("ABC, HELLO").run()
    assert "These strings cannot be used: 'HELLO'" in app.error[-1].value


def test_inputs_and_outputs_page_refuses_an_empty_own_text_and_keeps_the_rest(app):
    app.switch_page("pages/modes.py").run()
    choose_tab(app, MODES_VIEW, "Many to many, aligned, and one to many")
    app.selectbox(key="modes_text").set_value("custom").run()
    assert not app.exception, [e.message for e in app.exception]
    assert "This text cannot be used: the 'custom' text source needs your text" in app.error[0].value
    choose_tab(app, MODES_VIEW, "Sequence to sequence")
    assert not app.error and "modes_s2s_train" in [b.key for b in app.button]  # the other modes stay usable
    choose_tab(app, MODES_VIEW, "Many to many, aligned, and one to many")
    assert "the 'custom' text source needs your text" in app.error[0].value  # the choice was kept meanwhile
