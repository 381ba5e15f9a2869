"""The Hidden states page through AppTest: the heatmap's numbers, units up close, the text view, replay."""

from __future__ import annotations

import numpy as np
import pytest

from tests.app.conftest import choose_tab, decode, plotly_figures
from ui.keys import HIDDEN_VIEW
from ui.keys import config_widget as key


def titles(at) -> list[str]:
    return [f["layout"]["title"]["text"] for f in plotly_figures(at)]


@pytest.fixture
def page(app):
    app.switch_page("pages/hidden_states.py").run()
    assert not app.exception
    return app


def test_heatmap_shows_the_current_models_hidden_states(page):
    exp = page.session_state["experiment"]
    snap = exp.snapshot_now()
    heatmap = plotly_figures(page)[0]["data"][0]
    np.testing.assert_allclose(decode(heatmap["z"]), snap.hidden[0, 0].T, rtol=1e-6)  # units × time, probe sequence #1
    assert titles(page) == ["Hidden state h_t of every unit (layer 1, step 0)"]  # the open tab's only
    assert [t.label for t in page.tabs] == ["Every unit", "Units up close", "The path of h_t"]
    choose_tab(page, HIDDEN_VIEW, "Units up close")
    assert titles(page) == ["Chosen units over time"]
    chosen = page.multiselect(key="hidden_units_0_32").value
    assert len(chosen) == 3
    lines = plotly_figures(page)[0]["data"]
    np.testing.assert_allclose(decode(lines[0]["y"]), snap.hidden[0, 0][:, chosen[0]], rtol=1e-6)
    page.multiselect(key="hidden_units_0_32").set_value([5]).run()
    choose_tab(page, HIDDEN_VIEW, "The path of h_t")
    assert titles(page) == ["The path of h_t (its two main directions)"]
    choose_tab(page, HIDDEN_VIEW, "Units up close")  # the choice outlives a run in another tab
    assert page.multiselect(key="hidden_units_0_32").value == [5]
    page.multiselect(key="hidden_units_0_32").set_value([]).run()
    assert page.info[0].value.startswith("Choose one or more units") and not plotly_figures(page)


def test_after_training_the_replay_slider_offers_the_kept_steps(page):
    page.button(key="step").click().run()
    slider = page.select_slider(key="hidden_replay")
    assert slider.options == ["step 0", "now (step 10)"] and slider.value == "now"
    assert titles(page)[0].endswith("step 10)")
    slider.set_value(0).run()
    assert titles(page)[0].endswith("step 0)")


def test_text_tasks_colour_the_characters_by_a_unit(page):
    page.sidebar.selectbox(key=key("task", "name")).set_value("characters").run()
    page.sidebar.selectbox(key=key("task", "text_source")).set_value("brackets").run()
    assert not page.exception
    choose_tab(page, HIDDEN_VIEW, "Units up close")
    text_fig = next(f for f in plotly_figures(page) if f["layout"]["title"]["text"].startswith("Unit "))
    chars = [c for row in text_fig["data"][0]["text"] for c in row if c]
    assert set(chars) <= {"(", ")", "⏎"} or set(chars) <= {"(", ")", "\n"}


def test_bracket_text_names_the_unit_that_follows_the_nesting_depth(page):
    page.sidebar.selectbox(key=key("task", "name")).set_value("characters").run()
    page.sidebar.selectbox(key=key("task", "text_source")).set_value("brackets").run()
    assert [t.label for t in page.tabs][-1] == "A unit that counts"
    choose_tab(page, HIDDEN_VIEW, "A unit that counts")
    counting = next(m.value for m in page.markdown if "follows the nesting depth" in m.value)
    figure = plotly_figures(page)[-1]
    assert figure["layout"]["title"]["text"].startswith("Nesting depth and unit")
    depth = decode(figure["data"][0]["y"])
    chars = page.session_state["experiment"].trainer.task.decode(page.session_state["experiment"].trainer.probe.x[0])
    counted = np.cumsum([(c == "(") - (c == ")") for c in chars])
    assert depth.tolist() == (counted - min(counted.min(), 0)).tolist()
    assert "r = " in counting


def test_bidirectional_models_choose_a_direction(page):
    page.sidebar.selectbox(key=key("task", "name")).set_value("adding").run()
    page.sidebar.checkbox(key=key("model", "bidirectional")).check().run()
    page.radio(key="hidden_direction").set_value(1).run()
    assert not page.exception
    assert "reverse" in titles(page)[0]


def test_the_mlp_baseline_has_no_hidden_state_and_says_so(page):
    page.sidebar.selectbox(key=key("model", "cell")).set_value("mlp").run()
    assert page.info[0].value.startswith("The windowing MLP keeps no state")
    assert not plotly_figures(page)
