"""Issue 10 in the app: links, presets, presentation mode, downloads and kept runs, through AppTest."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from rnn_core.config import ExperimentConfig
from rnn_core.data.tasks import make_task
from rnn_core.train.trainer import Trainer
from tests.app.conftest import APP, choose_tab, plotly_figures
from ui.keys import PAGE_TABS
from ui.keys import config_widget as key
from ui.link_params import config_to_params
from ui.pages import PAGES
from ui.presets import PRESETS, PRESETS_BY_KEY


def opened(params: dict[str, str]) -> AppTest:
    """A new session opened from a link with these query parameters."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def experiment(at: AppTest):
    return at.session_state["experiment"]


def flat(at: AppTest) -> dict[str, str]:
    """The session's query parameters, one value each."""
    return {k: v[0] if isinstance(v, list) else v for k, v in dict(at.query_params).items()}


def train_until_paused(at: AppTest, limit: int = 5000) -> None:
    """What the sidebar's timer does in the browser (AppTest never fires run_every), then the rerun it asks for."""
    exp = experiment(at)
    while exp.running and exp.trainer.step < limit:
        exp.advance(seconds=1.0, only_while_running=True)
    at.run()


# ---- links ---------------------------------------------------------------------------------------------------


def test_the_sidebar_writes_the_experiment_into_the_link_and_the_link_rebuilds_it(app):
    app.sidebar.selectbox(key=key("task", "name")).set_value("copy").run()
    app.sidebar.slider(key=key("task", "delay")).set_value(30).run()
    app.sidebar.selectbox(key=key("model", "cell")).set_value("gru").run()
    app.sidebar.number_input(key=key("run", "seed")).set_value(3).run()
    config = experiment(app).config
    assert config.task.delay == 30 and config.model.cell == "gru" and config.seed == 3
    assert flat(app) == {"task": "copy", "delay": "30", "cell": "gru", "seed": "3"}

    again = opened({"task": "copy", "delay": "30", "cell": "gru", "seed": "3"})
    assert experiment(again).config == config
    assert again.sidebar.selectbox(key=key("model", "cell")).value == "gru"
    assert again.sidebar.slider(key=key("task", "delay")).value == 30
    assert not again.warning


def test_the_link_is_written_again_on_every_page_with_the_step_count(app):
    app.sidebar.selectbox(key=key("model", "cell")).set_value("gru").run()
    app.sidebar.button(key="step").click().run()
    for page in ("pages/gradients.py", "pages/compare.py", "pages/shapes.py", "pages/train.py"):
        app.switch_page(page).run()
        assert not app.exception
        assert flat(app) == {"cell": "gru", "steps": "10"}, page


def test_a_shared_link_trains_to_the_same_curves(app):
    config = ExperimentConfig().with_changes(task={"name": "parity", "seq_len": 8}, model={"cell": "rnn_tanh"}, seed=5)
    at = opened(config_to_params(config, steps=40))
    assert "40 training steps" in at.info[0].value
    at.button(key="link_train_to").click().run()  # its first slice may already get there
    train_until_paused(at)
    exp = experiment(at)
    assert not exp.running and exp.trainer.step == 40
    reference = Trainer(config, make_task(config.task))
    reference.run(40)
    np.testing.assert_array_equal(exp.trainer.history.loss.to_numpy(), reference.history.loss.to_numpy())
    assert not [i for i in at.info if "This link was made" in i.value]  # the notice has done its job


@pytest.mark.parametrize(
    "params, reason",
    [
        ({"task": "chess", "cell": "gru"}, "`task=chess`"),
        ({"hidden_size": "1024"}, "above this server's limit"),  # past this server's limit
        ({"task": "copy", "bidirectional": "1"}, "bidirectional"),  # would read the answer ahead
        ({"task": "characters", "text_source": "custom"}, "your own text"),
        ({"task": "series"}, "CSV"),
        ({"lr": "fast", "seed": "x" * 500}, "not a number"),
    ],
)
def test_a_bad_link_falls_back_to_defaults_with_a_notice(params, reason):
    at = opened(params)
    assert at.warning and reason in at.warning[0].value
    assert at.title[0].value == "Train" and experiment(at).trainer.model is not None
    at.sidebar.button(key="step").click().run()  # and the app works
    assert not at.exception and experiment(at).trainer.step == 10


def test_a_setting_past_a_limit_costs_only_itself():
    at = opened({"task": "copy", "delay": "500", "cell": "gru"})
    assert "`delay` is left at its default" in at.warning[0].value
    config = experiment(at).config
    assert (config.task.name, config.task.delay, config.model.cell) == ("copy", 10, "gru")
    assert flat(at) == {"task": "copy", "cell": "gru"}


def test_values_the_sliders_do_not_offer_still_open_and_show(app):
    """A link may bring any value the configuration accepts: the widgets widen to hold it instead of stopping the page."""
    at = opened(
        {"task": "copy", "delay": "150", "hidden_size": "5", "batch_size": "10", "tbptt": "500", "init": "orthogonal", "init_value": "-5"}
    )
    config = experiment(at).config
    assert (config.task.delay, config.model.hidden_size, config.train.batch_size, config.train.tbptt) == (150, 5, 10, 500)
    assert at.sidebar.slider(key=key("task", "delay")).value == 150
    assert at.sidebar.select_slider(key=key("model", "hidden_size")).value == 5
    assert at.sidebar.number_input(key=key("model", "init_value")).value == -5.0
    assert not at.warning and flat(at)["delay"] == "150"
    at.sidebar.button(key="step").click().run()
    assert not at.exception and experiment(at).trainer.step == 10


def test_an_opened_link_keeps_its_step_count_until_the_session_gets_there():
    at = opened({"cell": "gru", "steps": "30"})
    assert flat(at) == {"cell": "gru", "steps": "30"}  # not 0: a reload or a re-share would lose it
    at.sidebar.button(key="step").click().run()
    assert flat(at)["steps"] == "30"
    at.button(key="link_train_to").click().run()
    train_until_paused(at)
    assert flat(at)["steps"] == "30" and experiment(at).trainer.step == 30
    at.sidebar.button(key="step").click().run()
    assert flat(at)["steps"] == "40"


def test_a_presets_link_tells_its_story():
    preset = PRESETS[0]
    at = opened(config_to_params(preset.config))
    assert experiment(at).preset == preset.key and any(preset.title in i.value for i in at.info)
    at.switch_page("pages/worked_example.py").run()
    assert not any(preset.title in i.value for i in at.info)  # a lesson has a model of its own


# ---- presets -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", [p for p in PRESETS if not p.compared], ids=lambda p: p.key)
def test_a_preset_builds_its_model_opens_its_page_and_trains_to_its_step(app, preset):
    app.sidebar.button(key=f"preset_{preset.key}").click().run()
    assert not app.exception
    exp = experiment(app)
    assert exp.config == preset.config and exp.preset == preset.key
    # training toward the story's step, or already there: a small model (hello) can train its 300 steps in the first slice
    assert (exp.running and exp.stop_at == preset.steps) or (not exp.running and exp.trainer.step == preset.steps)
    page_titles = {p.path: p.title for p in PAGES}
    assert app.title[0].value == page_titles[preset.page]
    assert any(preset.title in i.value for i in app.info)  # the story, above the page
    assert app.sidebar.selectbox(key=key("model", "cell")).value == preset.config.model.cell
    if preset.config.model.init == "orthogonal":  # the clipping story's gain, in its own widget
        gain = app.sidebar.number_input(key=key("model", "init_value"))
        assert (gain.label, gain.value) == ("Gain of W_hh", preset.config.model.init_value)
    if preset.tab:  # the story's tab is the one open, and shows it
        assert app.session_state[PAGE_TABS[preset.page]] == preset.tab
    shown = {"clipping": "Global gradient norm during training", "brackets": "Nesting depth and unit "}
    if preset.key in shown:
        assert [f["layout"]["title"]["text"][: len(shown[preset.key])] for f in plotly_figures(app)] == [shown[preset.key]]
    link = flat(app)
    assert int(link.pop("steps", 0)) <= exp.trainer.step  # written before the page's first slice trained
    assert link == config_to_params(preset.config)


def test_a_preset_opens_its_storys_tab_even_from_another_tab_of_its_page(app):
    assert all(p.tab for p in PRESETS if p.page in PAGE_TABS)  # else the page would stay on whichever tab was open
    app.switch_page("pages/gradients.py").run()
    choose_tab(app, PAGE_TABS["pages/gradients.py"], "Clipping")
    app.sidebar.button(key="preset_vanishing").click().run()
    assert not app.exception, [e.message for e in app.exception]
    assert app.session_state[PAGE_TABS["pages/gradients.py"]] == "Through time"
    assert plotly_figures(app)[0]["layout"]["title"]["text"].startswith("Gradient reaching each h_t")


def test_a_comparing_preset_trains_its_cells_side_by_side_once_on_compare_runs(app, monkeypatch):
    """The linear-memory preset, with 20 steps instead of its 800 (the claim itself: tests/test_presets.py)."""
    preset = PRESETS_BY_KEY["linear_memory"]
    monkeypatch.setitem(PRESETS_BY_KEY, "linear_memory", replace(preset, steps=20))
    app.sidebar.button(key="preset_linear_memory").click().run()
    assert not app.exception, [e.message for e in app.exception]
    assert app.title[0].value == "Compare runs"
    runs = experiment(app).runs
    assert [r.label for r in runs] == ["minGRU (seed 0)", "GRU (seed 0)", "LSTM (seed 0)"]
    assert [r.steps for r in runs] == [20, 20, 20]
    assert all(r.config == preset.config.with_changes(model={"cell": r.config.model.cell}) for r in runs)
    assert [t["name"] for t in plotly_figures(app)[0]["data"]] == [r.label for r in runs]
    app.run()  # a rerun, and a later visit, leave them as they are
    app.switch_page("pages/train.py").run()
    app.switch_page("pages/compare.py").run()
    assert len(experiment(app).runs) == 3


def test_runs_of_the_same_preset_are_told_apart(app):
    for _ in range(4):
        app.sidebar.button(key="preset_hello").click().run()
        train_until_paused(app)
    app.switch_page("pages/compare.py").run()
    labels = ['The "hello" model, 300 steps', 'The "hello" model, 300 steps #2', 'The "hello" model, 300 steps #3']
    assert [r.label for r in experiment(app).runs] == labels
    assert [t["name"] for t in plotly_figures(app)[0]["data"]] == labels


def test_a_preset_replaces_a_trained_run_and_keeps_it_for_comparison(app):
    app.sidebar.button(key="step").click().run()
    app.sidebar.button(key="preset_hello").click().run()
    exp = experiment(app)
    assert [r.label for r in exp.runs] == ["LSTM, H=32, seed 0, 10 steps"]
    train_until_paused(app)
    assert exp.trainer.step == 300 and exp.trainer.history.accuracy.iloc[-1] == 1.0
    assert any('The "hello" model' in i.value for i in app.info)


# ---- presentation mode, downloads ----------------------------------------------------------------------------


def test_every_chart_exports_a_large_png_named_after_it(app):
    app.sidebar.button(key="step").click().run()
    app.switch_page("pages/gradients.py").run()
    for chart in app.get("plotly_chart"):
        config = json.loads(chart.proto.config)["toImageButtonOptions"]
        assert config["format"] == "png" and config["scale"] * config["width"] >= 3000
        assert config["filename"].startswith("rnn-explorer_") and len(config["filename"]) > len("rnn-explorer_") + 5
    names = [json.loads(c.proto.config)["toImageButtonOptions"]["filename"] for c in app.get("plotly_chart")]
    assert "rnn-explorer_gradient-reaching-each-h-t-layer-1-training-step-10" in names


@pytest.mark.parametrize(
    "page, button, label",
    [
        ("pages/train.py", "history_csv", "Training history"),
        ("pages/hidden_states.py", "hidden_csv", "Hidden states"),
        ("pages/gates.py", "gates_csv", "Gates"),
        ("pages/gradients.py", "grad_csv", "Gradient norms"),
        ("pages/loss_over_time.py", "step_loss_csv", "Loss at each step"),
    ],
)
def test_the_views_offer_their_data_as_csv(app, page, button, label):
    """The tables themselves are checked value by value in tests/test_links_and_exports.py; here, that each view offers one."""
    app.sidebar.button(key="step").click().run()
    app.switch_page(page).run()
    buttons = {b.proto.id.rsplit("-", 1)[-1]: b.proto for b in app.get("download_button")}
    assert buttons[button].label.startswith(f"⬇ {label}") and buttons[button].label.endswith("(CSV)")
    assert buttons[button].deferred_file_id and buttons[button].ignore_rerun  # built on click; no rerun


def test_presentation_mode_enlarges_charts_and_hides_what_a_demo_does_not_need(app):
    app.sidebar.button(key="step").click().run()
    normal = plotly_figures(app)[0]["layout"]
    assert "height" not in normal
    app.sidebar.toggle(key="presenting").set_value(True).run()
    assert not app.exception
    layout = plotly_figures(app)[0]["layout"]
    assert (layout["height"], layout["font"]["size"], layout["title"]["font"]["size"]) == (600, 20, 24)
    assert (layout["margin"]["l"], layout["margin"]["b"]) == (round(normal["margin"]["l"] * 1.3), round(normal["margin"]["b"] * 1.55))
    assert plotly_figures(app)[0]["data"][0]["line"]["width"] == 5
    labels = [b.proto.label for b in app.get("download_button")]
    assert labels == []  # no CSV buttons, no checkpoint panel
    assert flat(app)["present"] == "1"
    assert not any(e.proto.expanded for e in app.sidebar.expander if e.label in ("Task", "Model"))
    again = opened({"present": "1"})
    assert again.sidebar.toggle(key="presenting").value is True


# ---- compare runs --------------------------------------------------------------------------------------------


def test_kept_runs_overlay_and_the_choice_of_runs_is_the_users(app):
    app.sidebar.button(key="step").click().run()
    app.sidebar.selectbox(key=key("model", "cell")).set_value("gru").run()
    app.sidebar.button(key="rebuild").click().run()  # the LSTM run is finished: kept
    app.sidebar.button(key="step").click().run()
    app.sidebar.button(key="step").click().run()
    app.switch_page("pages/compare.py").run()
    app.button(key="compare_keep").click().run()
    assert not app.exception
    labels = ["LSTM, H=32, seed 0, 10 steps", "GRU, H=32, seed 0, 20 steps"]
    assert [r.label for r in experiment(app).runs] == labels
    figures = plotly_figures(app)
    assert [f["layout"]["title"]["text"] for f in figures] == [
        "Training loss",
        "Gradient norm over training (before clipping)",
        "Loss at each step t at the end of each run",
        "‖∂L_τ/∂h_t‖ at the end of each run (layer 1)",
    ]
    assert all([t["name"] for t in f["data"]] == labels for f in figures)
    table = app.dataframe[0].value
    assert table.steps.tolist() == [10, 20] and table.cell.tolist() == ["LSTM", "GRU"]
    app.multiselect[0].set_value(labels[1:]).run()
    assert all([t["name"] for t in f["data"]] == labels[1:] for f in plotly_figures(app))
    app.sidebar.button(key="reset").click().run()  # a new run is kept: it joins the choice, which otherwise stays
    assert all([t["name"] for t in f["data"]] == labels[1:] + ["GRU, H=32, seed 0, 20 steps #2"] for f in plotly_figures(app))
