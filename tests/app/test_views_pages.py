"""Loss over time, Gradients, Gates and the by-hand demo through AppTest; and every page with every task and cell."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_core.lessons.gate_equations import NOTES_FORMS, TORCH_FORMS
from tests.app.conftest import choose_tab, decode, plotly_figures
from ui.keys import GATES_VIEW, GRADIENTS_VIEW, PAGE_TABS
from ui.keys import config_widget as key
from ui.pages import PAGE_PATHS

PAGES = list(PAGE_PATHS)


def titles(at) -> list[str]:
    return [f["layout"]["title"]["text"] for f in plotly_figures(at)]


def gate_headings(at) -> list[str]:
    """The Gates page's heatmaps, one figure: each panel's heading (its two lines as one)."""
    (grid,) = [f for f in plotly_figures(at) if f["layout"]["title"]["text"].startswith("The gates: layer")]
    return [a["text"].replace("<br>", " ") for a in grid["layout"]["annotations"]]


def open_page(app, page):
    app.switch_page(page).run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def trained(app, steps: int = 11):
    """Press Step a few times: 110 steps, past the snapshot at step 100."""
    for _ in range(steps):
        app.button(key="step").click().run()
    return app.session_state["experiment"]


def test_loss_over_time_shows_l_t_now_and_over_training(app):
    open_page(app, "pages/loss_over_time.py")
    assert app.info[0].value.startswith("Train for a while")
    exp = trained(app)
    snap = exp.snapshot_now()
    bars = plotly_figures(app)[0]
    np.testing.assert_allclose(decode(bars["data"][0]["y"]), snap.step_loss, rtol=1e-6)
    heat = plotly_figures(app)[1]
    assert heat["layout"]["title"]["text"] == "Where in the sequence the model learns first"
    assert heat["data"][0]["y"] == ["0", "100"]


def test_gradients_page_shows_both_gradient_profiles_and_the_eigenvalues(app):
    open_page(app, "pages/gradients.py")
    exp = app.session_state["experiment"]
    snap = exp.snapshot_now()
    profile = plotly_figures(app)[0]
    np.testing.assert_allclose(decode(profile["data"][0]["y"]), snap.grad_norm[0][snap.grad_norm[0] > 0], rtol=1e-6)
    np.testing.assert_allclose(decode(profile["data"][1]["y"]), snap.grad_norm_last[0][snap.grad_norm_last[0] > 0], rtol=1e-6)
    assert float(app.metric[0].value) == pytest.approx(snap.grad_norm_last[0][0] / snap.grad_norm_last[0][-1], rel=1e-2)
    assert len(plotly_figures(app)) == 1  # the open tab's only: Through time, untrained
    choose_tab(app, GRADIENTS_VIEW, "Why: the step Jacobian")
    radius = max(np.abs(v).max() for v in snap.eigenvalues.values())
    assert titles(app) == [
        "Spectral radius of ∂s_t/∂s_{t−1} along the sequence",
        f"Eigenvalues of W_hh (largest |λ| = {radius:.2f})",
        "What the answer at τ = 40 depends on",
    ]
    choose_tab(app, GRADIENTS_VIEW, "Clipping")
    assert app.info[-1].value.startswith("Train for a few steps to see the gradient norm")
    trained(app)
    assert titles(app) == ["Global gradient norm during training"]
    choose_tab(app, GRADIENTS_VIEW, "Through time")
    assert titles(app) == ["Gradient reaching each h_t (layer 1, training step 110)", "‖∂L_τ/∂h_t‖ over training"]


def test_a_replayed_snapshot_measures_its_spectra_from_the_weights_it_kept(app):
    """The snapshot at step 0, replayed after 110 steps: its ρ and eigenvalues are those of the untrained model, measured
    when the page first reads them, at every one of the default LSTM's 40 steps."""
    open_page(app, "pages/gradients.py")
    exp = app.session_state["experiment"]
    untrained = exp.snapshot_now()  # measured at once, at step 0
    trained(app)
    choose_tab(app, GRADIENTS_VIEW, "Why: the step Jacobian")
    app.select_slider(key="grad_replay").set_value(0).run()
    assert not app.exception
    rho = next(f for f in plotly_figures(app) if f["layout"]["title"]["text"].startswith("Spectral radius"))
    np.testing.assert_array_equal(decode(rho["data"][0]["y"]), untrained.jacobian_radius[0])
    radius = max(np.abs(v).max() for v in untrained.eigenvalues.values())
    assert f"Eigenvalues of W_hh (largest |λ| = {radius:.2f})" in titles(app)
    assert not any("evenly spread steps" in c.value for c in app.caption)


def test_gates_page_for_lstm_gru_and_cells_without_gates(app):
    open_page(app, "pages/gates.py")
    assert gate_headings(app) == [
        "Input gate i_t: how much of the candidate to write",
        "Forget gate f_t: how much of c_{t-1} to keep",
        "Candidate cell g_t: what could be written",
        "Output gate o_t: how much of the cell to show as h_t",
        "Cell state c_t: the long-term memory",
    ]
    assert titles(app) == ["The gates: layer 1, probe sequence #1, training step 0"]  # the open tab's only
    assert [t.label for t in app.tabs] == ["At every step", "How saturated", "The notes' equations and PyTorch's"]
    choose_tab(app, GATES_VIEW, "How saturated")
    assert titles(app) == ["How the gates spread (step 0, all probe sequences)"]
    saturation = app.dataframe[0].value
    assert saturation.gate.tolist() == ["input", "forget", "output"]
    choose_tab(app, GATES_VIEW, "At every step")
    app.sidebar.selectbox(key=key("model", "cell")).set_value("gru").run()
    assert gate_headings(app)[0].startswith("Reset gate r_t") and len(gate_headings(app)) == 3  # r, z, n: no cell state
    app.sidebar.selectbox(key=key("model", "cell")).set_value("rnn_tanh").run()
    assert app.info[0].value.startswith("Only gated cells (LSTM, GRU, minGRU, minLSTM, Selective SSM (S6)) have gates")


def test_gates_page_writes_the_notes_equations_beside_pytorchs_on_the_live_weights(app):
    open_page(app, "pages/gates.py")
    choose_tab(app, GATES_VIEW, "The notes' equations and PyTorch's")
    assert not plotly_figures(app)
    equations = [m.value.split("  \n") for m in app.markdown if m.value.startswith("`")]
    assert equations[0][0] == "`f_t = σ(W_f [h_{t−1}, x_t] + b_f)`" and equations[0][-1] == "`h_t = o_t ⊙ tanh(C_t)`"
    assert equations[1][0] == "`i_t = σ(W_ii x_t + b_ii + W_hi h_{t−1} + b_hi)`" and len(equations[1]) == 6  # one to a line
    assert equations == [[f"`{e}`" for e in NOTES_FORMS["lstm"]], [f"`{e}`" for e in TORCH_FORMS["lstm"]]]  # every line, in order
    blocks = app.dataframe[0].value
    assert blocks.notes.tolist() == ["W_i, b_i", "W_f, b_f", "W_c, b_c", "W_o, b_o"]
    assert blocks["PyTorch, on x_t"][1] == "W_if = weight_ih_l0[rows 32–63]  (32 × 1)"  # the default sine model: H = 32
    metrics = {m.label: m.value for m in app.metric}
    assert float(metrics["Largest |h_t| difference, the notes' form against PyTorch's (probe sequence #1)"]) < 1e-5
    app.sidebar.selectbox(key=key("model", "cell")).set_value("gru").run()
    metrics = {m.label: m.value for m in app.metric}
    assert float(metrics["The notes' z_t, r after the product as PyTorch: largest |h_t| difference"]) < 1e-5
    assert float(metrics["The notes' r_t ⊙ h_{t−1} before the product: largest |h_t| difference"]) > 0.001
    assert any("that is a different model" in c.value for c in app.caption)
    equations = [m.value.split("  \n") for m in app.markdown if m.value.startswith("`")]
    assert equations[0][2] == "`h̃_t = tanh(W [r_t ⊙ h_{t−1}, x_t])`" and equations[1][2].startswith("`n_t = tanh(W_in x_t")
    assert all("`" not in e and "$" not in e for forms in (NOTES_FORMS, TORCH_FORMS) for form in forms.values() for e in form)


@pytest.mark.parametrize("cell", ["mingru", "minlstm", "lru", "s6"])
def test_a_linear_recurrence_on_every_page(app, cell):
    """One session through every page with each linear recurrence, trained past a snapshot: what differs is said."""
    app.sidebar.selectbox(key=key("model", "cell")).set_value(cell).run()
    assert (key("model", "state_size") in [w.key for w in app.sidebar.select_slider]) == (cell == "s6")  # N: for S6 only
    if cell == "s6":
        app.sidebar.select_slider(key=key("model", "state_size")).set_value(4).run()
    trained(app)
    for page in PAGES:
        open_page(app, page)
        assert app.title[0].value
    exp = app.session_state["experiment"]
    assert exp.trainer.step == 110 and exp.config.model.cell == cell
    title = exp.trainer.structure.rnn.cell.title
    open_page(app, "pages/hidden_states.py")
    said = any(c.value.startswith(f"For the {title}, h_t here is its output y_t") for c in app.caption)
    assert said == (cell in ("lru", "s6"))  # their state is not their output
    open_page(app, "pages/gradients.py")
    choose_tab(app, GRADIENTS_VIEW, "Why: the step Jacobian")
    captions = [c.value for c in app.caption]
    assert any(c.startswith(f"The {title} is linear in its state") and "diag(a_t) is diagonal" in c for c in captions)
    if cell == "lru":  # its step is diag(λ): λ are its eigenvalues, plotted as it trains
        lam = exp.trainer.model.rnn.eigenvalues(0).detach().abs().max().item()
        assert f"λ, the eigenvalues of the step (largest |λ| = {lam:.2f})" in titles(app)
    else:
        assert any(i.value.startswith(f"A {title} has no W_hh") for i in app.info)
        assert not any(t.startswith("Eigenvalues") for t in titles(app))
    open_page(app, "pages/gates.py")
    if cell == "lru":
        assert app.info[0].value.startswith("Only gated cells")
        return
    first = {
        "mingru": "Update gate z_t: how much of h_{t-1} is replaced",
        "minlstm": "Forget gate f_t: how much of h_{t-1} to keep",
        "s6": "Selection Δ_t: how much of x_t it lets in",
    }[cell]
    assert gate_headings(app)[0] == first
    if cell == "s6":
        assert exp.trainer.model.rnn.state_size == 4 and not app.tabs  # Δ_t is no sigmoid: no saturation, one view
        assert "step size **Δ_t**" in app.markdown[0].value
    else:
        assert "Candidate h̃_t: what could be written (linear in x_t)" in gate_headings(app)


def test_the_by_hand_demo_reproduces_the_notes_and_explains_float32(app):
    open_page(app, "pages/vanishing_demo.py")
    table = app.dataframe[0].value
    assert table["∂/∂w_h"].tolist()[:5] == pytest.approx([2.0, 0.4, 0.06, 0.008, 0.001], rel=1e-5)
    app.select_slider(key="demo_wh").set_value(10.0).run()
    assert app.warning[0].value.startswith("At length 10 every gradient is exactly 0, not 2e+10")
    app.radio(key="demo_dtype").set_value("float64").run()
    assert not app.warning
    assert app.dataframe[0].value["∂/∂h_0"].iloc[-1] == pytest.approx(2e10)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("cell", ["rnn_tanh", "rnn_relu", "lstm", "gru", "mlp"])
def test_every_page_with_every_cell(app, page, cell):
    app.sidebar.selectbox(key=key("model", "cell")).set_value(cell).run()
    open_page(app, page)
    app.button(key="step").click().run()
    assert not app.exception, [e.message for e in app.exception]
    assert app.title[0].value


def test_every_tab_of_gradients_and_gates_after_a_step_with_each_state_reading_cell(app):
    """The tabs beyond the first with each state-reading cell: the page-by-cell runs open only the first, the
    page-by-task runs every tab with the default cell."""
    for cell, saturating in (("rnn_relu", None), ("gru", ["reset", "update"]), ("lstm", ["input", "forget", "output"])):
        app.sidebar.selectbox(key=key("model", "cell")).set_value(cell).run()
        if any(b.key == "rebuild" for b in app.sidebar.button):  # the last cell's model has trained: a new one
            app.sidebar.button(key="rebuild").click().run()
        app.button(key="step").click().run()
        assert app.session_state["experiment"].config.model.cell == cell
        open_page(app, "pages/gradients.py")
        choose_tab(app, GRADIENTS_VIEW, "Why: the step Jacobian")
        assert any(t.startswith("Eigenvalues of W_hh (largest |λ| = ") for t in titles(app)), cell
        choose_tab(app, GRADIENTS_VIEW, "Clipping")
        assert titles(app) == ["Global gradient norm during training"]
        open_page(app, "pages/gates.py")
        if saturating is None:
            assert app.info[0].value.startswith("Only gated cells")
            continue
        choose_tab(app, GATES_VIEW, "How saturated")
        assert app.dataframe[0].value.gate.tolist() == saturating
        choose_tab(app, GATES_VIEW, "The notes' equations and PyTorch's")
        assert app.dataframe[0].value.notes.tolist()[0].startswith("W_")
        choose_tab(app, GATES_VIEW, "At every step")


@pytest.mark.parametrize("page", PAGES[:5])
@pytest.mark.parametrize("task", ["next_number", "copy", "adding", "parity", "characters"])
def test_every_view_with_every_task(app, page, task):
    """Every tab of every live page, too (only the open one is drawn)."""
    app.sidebar.selectbox(key=key("task", "name")).set_value(task).run()
    open_page(app, page)
    app.button(key="step").click().run()
    assert not app.exception, [e.message for e in app.exception]
    for label in [t.label for t in app.tabs][1:]:
        choose_tab(app, PAGE_TABS[page], label)
        assert plotly_figures(app) or app.info or app.dataframe, (page, label)  # something drawn in it


def test_gradients_page_compares_the_three_cells_side_by_side(app):
    open_page(app, "pages/gradients.py")
    choose_tab(app, GRADIENTS_VIEW, "RNN, LSTM and GRU side by side")
    assert app.info[-1].value.startswith("No runs kept yet")
    app.number_input(key="compare_steps").set_value(20).run()
    app.button(key="compare_cells").click().run()
    assert not app.exception
    exp = app.session_state["experiment"]
    assert [r.label for r in exp.runs] == ["RNN (tanh) (seed 0)", "LSTM (seed 0)", "GRU (seed 0)"]
    loss_overlay = next(f for f in plotly_figures(app) if f["layout"]["title"]["text"] == "Training loss")
    assert [t["name"] for t in loss_overlay["data"]] == [r.label for r in exp.runs]
    np.testing.assert_allclose(decode(loss_overlay["data"][1]["y"]), exp.runs[1].history.loss.to_numpy(), rtol=1e-6)
    assert exp.trainer.step == 0  # the session's own model is left as it was
    app.button(key="compare_clear").click().run()
    assert not app.session_state["experiment"].runs
