"""Figure builders: every spec, built from a real trained model's data, is a valid Plotly figure with the right data.

The app draws specs without Plotly's validation (ui/charts.py), so this is where validation lives: each builder's
output must construct a ``plotly.graph_objects.Figure``, which checks every property name and value.
"""

from __future__ import annotations

import base64
import inspect
import json

import numpy as np
import plotly.graph_objects as go
import plotly.io
import plotly.tools
import pytest

from rnn_core import viz as figures
from rnn_core.config import ExperimentConfig, ModelConfig, TaskConfig
from rnn_core.data.tasks import make_task
from rnn_core.inspect.analysis import pca_2d
from rnn_core.inspect.probes import Snapshots, snapshots_of
from rnn_core.lessons.modes import MODES, diagram_columns
from rnn_core.lessons.notes import scalar_relu_gradients
from rnn_core.lessons.truncation import gradient_reach
from rnn_core.train.trainer import Trainer
from rnn_core.viz.theme import DRAWN_POINTS, margins_for, thinned

HELPERS = {"typed", "figure"}  # not builders


def decode(array) -> np.ndarray:
    if isinstance(array, dict):
        values = np.frombuffer(base64.b64decode(array["bdata"]), array["dtype"])
        return values.reshape([int(n) for n in array["shape"].split(",")]) if "shape" in array else values
    return np.asarray(array)


@pytest.fixture(scope="module")
def text_model():
    """A 2-layer LSTM trained a little on bracket text: gates, a cell state, several snapshots."""
    config = ExperimentConfig(
        task=TaskConfig(name="characters", text_source="brackets", seq_len=30), model=ModelConfig(cell="lstm", hidden_size=6, num_layers=2)
    ).with_changes(train={"probe_every": 10})
    trainer = Trainer(config, make_task(config.task), observers=[Snapshots()])
    trainer.run(30)
    return trainer


@pytest.fixture(scope="module")
def adding_model():
    """A bidirectional GRU on the adding problem: many-to-one, gate blocks, a reverse direction."""
    config = ExperimentConfig(task=TaskConfig(name="adding", seq_len=10), model=ModelConfig(cell="gru", hidden_size=4, bidirectional=True))
    trainer = Trainer(config, make_task(config.task), observers=[Snapshots()])
    trainer.run(5)
    return trainer


def every_spec(text_model, adding_model) -> dict[str, list[dict]]:
    """Each builder on real data, the way the pages call it."""
    snap, snaps, history = snapshots_of(text_model).latest, snapshots_of(text_model).items, text_model.history
    task, probe = text_model.task, text_model.probe
    labels = task.input_labels(probe.x[0])
    chars = [task.vocab[int(c)] for c in probe.x[0]]
    hidden = snap.hidden[1, 0]  # (T, H)
    coords, explained = pca_2d(hidden)
    adding = snapshots_of(adding_model).latest
    relu = scalar_relu_gradients(10.0)
    sine_config = ExperimentConfig(task=TaskConfig(seq_len=8), model=ModelConfig(hidden_size=3))
    sine = Trainer(sine_config, make_task(sine_config.task), observers=[Snapshots()])
    predicted = snapshots_of(sine).latest.prediction
    reach, cut = (gradient_reach(sine.model, sine.task, sine.probe, length) for length in (0, 3))
    return {
        "state_heatmap": [
            figures.state_heatmap(hidden, "Hidden state h_t", "h", x_labels=labels),
            figures.state_heatmap(snap.gates["forget"][0, 0], "Forget gate", "f", bounded=True),
        ],
        "heatmap_grid": [
            figures.heatmap_grid(
                "Every gate",
                [figures.state_heatmap(v[1, 0], f"{g} gate: its role", g, bounded=g != "cell") for g, v in snap.gates.items()]
                + [figures.state_heatmap(snap.cell[1, 0], "Cell state c_t: the memory", "c", x_labels=labels)],
            ),
            figures.heatmap_grid("Δ_t", [figures.state_heatmap(hidden, "Selection Δ_t: what it lets in", "Δ", positive=True)]),
        ],
        "gradient_norm_chart": [figures.gradient_norm_chart(snap.grad_norm_last[0], "Gradient", "‖∂L_T/∂h_t‖")],
        "loss_curve": [
            figures.loss_curve(
                history.step.to_numpy(), history.loss.to_numpy(), np.array([s.step for s in snaps]), np.array([s.loss for s in snaps])
            )
        ],
        "sequence_prediction_chart": [
            figures.sequence_prediction_chart(
                sine.task.input_labels(sine.probe.x[0]),
                sine.probe.x[0, :, 0].numpy(),
                sine.probe.y[0, :, 0].numpy(),
                predicted[0, :, 0],
                "Probe #1",
            )
        ],
        "answers_chart": [figures.answers_chart(adding.target[:, 0], adding.prediction[:, 0], "The sum", "sum")],
        "unit_lines": [figures.unit_lines(hidden, [0, 3], "Chosen units")],
        "trajectory_2d": [figures.trajectory_2d(coords, explained, labels, "The path of h_t")],
        "text_activation": [
            figures.text_activation(chars, hidden[:, 0], "Unit 0 over the text"),
            figures.text_activation(chars, snap.gates["forget"][0, 0, :, 1], "A gate", bounded=True),
        ],
        "per_step_bars": [
            figures.per_step_bars(snap.step_loss, "Loss at each step", "L_t", labels),
            figures.per_step_bars(adding.jacobian_radius[1], "ρ", "ρ", log=True),
        ],
        "over_training_heatmap": [
            figures.over_training_heatmap([s.step for s in snaps], np.stack([s.grad_norm_last[0] for s in snaps]), "Over", "v")
        ],
        "gradient_profiles": [
            figures.gradient_profiles(snap.grad_norm[0], snap.grad_norm_last[0], snap.loss_step, "Gradient reaching h_t")
        ],
        "clipping_chart": [
            figures.clipping_chart(history.step.to_numpy(), history.grad_norm.to_numpy(), history.grad_norm_clipped.to_numpy(), 1.0),
            figures.clipping_chart(history.step.to_numpy(), history.grad_norm.to_numpy(), history.grad_norm_clipped.to_numpy(), 0.0),
        ],
        "eigenvalue_plot": [
            figures.eigenvalue_plot({b.label: v for b, v in snap.eigenvalues.items()}, "Eigenvalues"),
            figures.eigenvalue_plot({b.label: v for b, v in adding.eigenvalues.items()}, "Blocks"),
        ],
        "gate_histograms": [figures.gate_histograms({g: v[0] for g, v in snap.gates.items() if g != "cell"}, "Gates")],
        "overlay_lines": [
            figures.overlay_lines({"run a": (history.step.to_numpy(), history.loss.to_numpy())}, "Training loss", "step", "loss"),
            figures.overlay_lines({"depth": (np.arange(30), np.arange(30.0))}, "Depth", "t", "value", log_y=False),
        ],
        "vanishing_by_hand_chart": [figures.vanishing_by_hand_chart(relu["length L"].to_numpy(), relu["∂/∂h_0"].to_numpy(), 10.0)],
        "gradient_reach_chart": [
            figures.gradient_reach_chart(reach.norms, cut.norms, reach.loss_steps, cut.piece_starts, "How far back each loss reaches")
        ],
        "unrolled_diagram": [figures.unrolled_diagram(2, True, 3, 4, 6, 4), figures.unrolled_diagram(1, False, 5, 1, 3, 1)],
        "io_mode_diagram": [figures.io_mode_diagram(MODES[m].title, *diagram_columns(m)) for m in MODES],
    }


def test_every_builder_makes_a_valid_labelled_plotly_figure_from_real_data(text_model, adding_model):
    specs = every_spec(text_model, adding_model)
    builders = {name for name, f in inspect.getmembers(figures, inspect.isfunction) if f.__module__ in figures.BUILDER_MODULES}
    assert set(specs) == {b for b in builders if not b.startswith("_")} - HELPERS  # every builder is checked here
    for name, built in specs.items():
        for spec in built:
            fig = go.Figure(spec)  # Plotly's full validation: every property name and value
            assert fig.layout.title.text, name
            assert fig.layout.template.layout.font.size == figures.LECTURE_TEMPLATE["layout"]["font"]["size"] >= 16
            json.dumps(spec)  # plain data all the way down


def test_what_the_app_sends_is_the_spec_itself(text_model, adding_model):
    """ui.charts.show_figure wraps a spec without validating its values (go.Figure's private ``_validate=False``) and
    st.plotly_chart writes it with the two calls below: the chart's JSON must be exactly the spec's."""
    for built in every_spec(text_model, adding_model).values():
        for spec in built:
            sent = plotly.tools.return_figure_from_figure_or_data(go.Figure(spec, _validate=False), validate_figure=True)
            assert json.loads(plotly.io.to_json(sent, validate=False)) == json.loads(json.dumps(spec))
    go.Figure({"data": [{"type": "scatter", "mode": 42}]}, _validate=False)  # values unchecked: no error here
    with pytest.raises(ValueError, match="mode"):
        go.Figure({"data": [{"type": "scatter", "mode": 42}]})


def test_typed_arrays_hold_the_values_and_their_precision():
    values = np.array([[0.1, np.nan], [3.0, -2.5]])
    spec = figures.typed(values)
    assert spec["dtype"] == "f8" and spec["shape"] == "2, 2"
    np.testing.assert_array_equal(decode(spec), values)
    assert figures.typed(np.arange(3))["dtype"] == "i4" and decode(figures.typed(np.arange(3))).tolist() == [0, 1, 2]
    assert figures.typed(np.float32([1.5]))["dtype"] == "f4"
    assert figures.typed(["a", "b"]) == ["a", "b"]


def test_state_heatmap_puts_units_on_rows_and_time_on_columns():
    values = np.arange(12.0).reshape(4, 3)  # (T=4, H=3)
    spec = figures.state_heatmap(values, "Hidden state h_t", "h")
    heatmap, layout = spec["data"][0], spec["layout"]
    np.testing.assert_array_equal(decode(heatmap["z"]), values.T)
    assert decode(heatmap["x"]).tolist() == [1, 2, 3, 4]
    assert heatmap["zmid"] == 0
    assert layout["title"]["text"] == "Hidden state h_t"
    assert layout["xaxis"]["title"]["text"] == "time step t" and layout["yaxis"]["title"]["text"] == "hidden unit"


def test_bounded_heatmap_spans_zero_to_one_and_short_inputs_label_the_axis():
    spec = figures.state_heatmap(np.full((2, 2), 0.5), "Forget gate f_t", "f", bounded=True, x_labels=["(", ")"])
    assert (spec["data"][0]["zmin"], spec["data"][0]["zmax"]) == (0.0, 1.0)
    assert spec["layout"]["xaxis"]["ticktext"] == ["(", ")"]
    assert "ticktext" not in figures.state_heatmap(np.zeros((2, 2)), "x", "h", x_labels=["12.50", "3.00"])["layout"]["xaxis"]


def test_state_heatmap_rejects_other_shapes():
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        figures.state_heatmap(np.zeros(3), "x", "h")


def test_gradient_chart_is_logarithmic_and_says_when_it_leaves_zeros_out():
    spec = figures.gradient_norm_chart(np.array([0.0, 1e-3, 1e-1, 1.0]), "Gradient")
    assert spec["layout"]["yaxis"]["type"] == "log"
    assert decode(spec["data"][0]["x"]).tolist() == [2, 3, 4]
    assert "1 step(s)" in spec["layout"]["title"]["subtitle"]["text"]
    assert "subtitle" not in figures.gradient_norm_chart(np.ones(3), "Gradient")["layout"]["title"]


def test_the_clipping_threshold_is_drawn_only_when_clipping_is_on():
    on = figures.clipping_chart(np.arange(3), np.array([5.0, 0.5, 2.0]), np.array([1.0, 0.5, 1.0]), 1.0)
    assert [t["name"] for t in on["data"]] == ["before clipping", "after clipping (what the optimiser used)"]
    assert on["layout"]["shapes"][0]["y0"] == 1.0 and on["layout"]["annotations"][0]["text"] == "clip at 1"
    off = figures.clipping_chart(np.arange(3), np.ones(3), np.ones(3), 0.0)
    assert len(off["data"]) == 1 and "shapes" not in off["layout"]


def test_a_long_series_is_drawn_with_its_extremes_in_every_run_of_steps():
    """20,000 steps (a whole run) of a noisy loss with one spike and one dip: at most DRAWN_POINTS real points, the first,
    the last, the spike, the dip, and in every run of steps its lowest and highest value."""
    steps = np.arange(1, 20_001)  # (n,)
    loss = np.random.default_rng(0).lognormal(size=steps.size)
    loss[12_345], loss[777] = 1e3, 1e-6
    x, y = thinned(steps, loss)
    assert len(x) <= DRAWN_POINTS and np.all(np.diff(x) > 0)
    np.testing.assert_array_equal(y, loss[x - 1])  # every point drawn is the step's own value: hover shows the truth
    assert {1, 20_000, 12_346, 778} <= set(x.tolist())
    x, y = thinned(steps, loss, most=2002)  # 1,000 runs of 20 steps, two points each, and the first and the last
    assert len(x) > 1900  # the points are used: every run has steps of its own
    for start in range(0, 20_000, 20):
        run = loss[start : start + 20]
        assert run.max() in y and run.min() in y
    short, values = np.arange(DRAWN_POINTS), loss[:DRAWN_POINTS]
    assert all(a is b for a, b in zip(thinned(short, values), (short, values)))  # drawn as it is


def test_charts_over_training_send_a_bounded_number_of_points():
    """Train's loss curve, Gradients' norms before and after clipping and Compare runs' overlays, for a run of 20,000
    steps: each trace at most DRAWN_POINTS points, the highest norm before clipping among them."""
    steps, rng = np.arange(1, 20_001), np.random.default_rng(1)
    loss, norm = rng.lognormal(size=steps.size), rng.lognormal(size=steps.size)
    norm[9_999] = 500.0
    specs = [
        figures.loss_curve(steps, loss, np.arange(0, 20_001, 100), rng.random(201)),
        figures.clipping_chart(steps, norm, np.minimum(norm, 1.0), 1.0),
        figures.overlay_lines({"a": (steps, loss), "b": (steps, norm)}, "Training loss", "step", "loss"),
    ]
    for spec in specs:
        for trace in spec["data"]:
            assert 200 <= len(decode(trace["x"])) == len(decode(trace["y"])) <= DRAWN_POINTS
    before, after = specs[1]["data"]
    np.testing.assert_array_equal(decode(before["x"]), decode(after["x"]))  # one set of steps for both lines
    assert decode(before["y"]).max() == 500.0


def test_gate_histograms_send_counted_bins_as_percentages():
    """Ten values counted by hand into twenty bins of 0.05: what the bars show, not the raw values."""
    values = np.array([0.0, 0.01, 0.04, 0.5, 0.52, 0.97, 0.99, 1.0, 1.0, 0.26])
    spec = figures.gate_histograms({"forget": values.reshape(2, 5)}, "Gates")
    (bar,) = spec["data"]
    assert bar["type"] == "bar" and bar["width"] == pytest.approx(0.05)
    np.testing.assert_allclose(decode(bar["x"])[[0, 5, 10, 19]], [0.025, 0.275, 0.525, 0.975])
    percent = decode(bar["y"])
    expected = np.zeros(20)
    expected[[0, 5, 10, 19]] = [30, 10, 20, 40]  # 0, 0.01, 0.04 | 0.26 | 0.5, 0.52 | 0.97, 0.99, 1, 1 (1 is in the last bin)
    np.testing.assert_allclose(percent, expected)
    assert len(json.dumps(spec)) < 3000  # twenty bars, whatever the number of values


def test_margins_hold_what_each_side_carries_before_plotly_draws():
    """The margins are set from the spec (Plotly would widen them after a first drawing, and draw again): the axes' labels
    on every chart, a colour bar's title, a legend's rows under the plot or its names beside it, a subtitle, named rows."""
    plain = figures.gradient_norm_chart(np.ones(5), "Gradient")["layout"]["margin"]
    assert plain == {"l": 105, "r": 30, "t": 60, "b": 60}  # a log axis's labels: powers of ten
    assert figures.gradient_norm_chart(np.zeros(5), "Gradient")["layout"]["margin"]["t"] == 90  # the subtitle's line
    heatmap = figures.state_heatmap(np.zeros((4, 3)), "h", "h")["layout"]["margin"]
    assert heatmap["r"] == 115 and heatmap["l"] == 90  # a colour bar with a one-letter title: the bar and its tick labels
    long_title = figures.over_training_heatmap([0, 10], np.ones((2, 4)), "g", "‖∂L_τ/∂h_t‖")["layout"]["margin"]
    assert long_title["r"] == round(30 + len("log₁₀ ‖∂L_τ/∂h_t‖") * 0.55 * 16 + 20)  # its title is wider than the bar
    two = figures.loss_curve(np.arange(3), np.ones(3), np.arange(3), np.ones(3))["layout"]["margin"]
    assert two["b"] == 110  # "training batch" and "probe batch" share one row under the plot
    many = {f"run number {i} with a long label": (np.arange(3), np.ones(3)) for i in range(3)}
    beside = figures.overlay_lines(many, "Runs", "step", "loss")["layout"]["margin"]
    assert beside["b"] == 60 and beside["r"] == round(70 + len("run number 0 with a long label") * 0.55 * 16)
    unrolled = figures.unrolled_diagram(2, True, 4, 3, 5, 2)["layout"]["margin"]
    assert unrolled["l"] == round(40 + len("output ŷ_t (2, from 10)") * 0.55 * 16)
    kept = figures.io_mode_diagram("t", [{"input": "x", "state": "h", "output": "y"}])["layout"]["margin"]
    assert kept == {"l": 70, "r": 10, "t": 50, "b": 10}  # a margin the builder chose stays


def test_a_grid_of_heatmaps_places_each_panel_with_its_own_colour_bar_and_heading():
    """Five panels, two to a row: three rows of GRID_ROW_PX each; every panel keeps its data, scale and colour bar, beside its
    own plot, and its title becomes the heading over it, on two lines."""
    values = [np.full((4, 3), float(k)) for k in range(5)]
    panels = [figures.state_heatmap(v, f"Panel {k}: what it shows", f"p{k}", bounded=k == 0) for k, v in enumerate(values)]
    grid = figures.heatmap_grid("Five", panels)
    layout = grid["layout"]
    assert layout["height"] == 3 * 450 + layout["margin"]["t"] + layout["margin"]["b"]
    assert [t["xaxis"] for t in grid["data"]] == ["x", "x2", "x3", "x4", "x5"]
    assert [decode(t["z"])[0, 0] for t in grid["data"]] == [0, 1, 2, 3, 4]
    assert grid["data"][0]["zmax"] == 1.0 and "zmax" not in grid["data"][1]  # each panel's own colour scale
    left, right = layout["xaxis"]["domain"], layout["xaxis2"]["domain"]
    assert left[1] < grid["data"][0]["colorbar"]["x"] < right[0] < right[1] < grid["data"][1]["colorbar"]["x"] < 1
    bottom, top = layout["yaxis5"]["domain"]  # the last row: 60 px of heading, 65 px of time axis
    assert (bottom, top) == pytest.approx((65 / 1350, 1 - (900 + 60) / 1350))
    assert [a["text"] for a in layout["annotations"]][:2] == ["Panel 0:<br>what it shows", "Panel 1:<br>what it shows"]
    assert layout["annotations"][4]["x"] == left[0]


def test_wiring_arrows_are_one_trace_per_colour_stopping_short_of_the_nodes():
    """Two steps of many to many: x → h and h → y at each step (grey), h_1 → h_2 (the state's colour); each arrow a line
    stopping short of both nodes, an arrowhead at its end; the nodes drawn last, over the arrows."""
    column = {"input": "x", "state": "h", "output": "y"}
    spec = figures.io_mode_diagram("Two steps", [column, column])
    grey, state, nodes = spec["data"]
    assert "annotations" not in spec["layout"] and nodes["mode"] == "markers+text"
    assert grey["y"] == pytest.approx([0.22, 0.78, None, 1.22, 1.78, None] * 2)
    assert grey["marker"]["size"] == [0, 13, 0] * 4 and grey["marker"]["symbol"] == "arrow"
    across = 0.22 / (1.4 * 0.75) * 1.4  # 0.22 of a row short of each node; a unit across looks 0.75 of a row
    assert state["x"] == pytest.approx([across, 1.4 - across, None]) and state["line"]["color"] == figures.COLOURS[0]


def test_projected_diagrams_keep_their_marker_sizes_in_proportion():
    """On a projector, markers grow by 11/6 (Plotly's default 6 px drawn at 11): a diagram's nodes stay larger than the
    default and an arrow's hidden tail stays hidden, its head stays a head."""
    from ui.presentation import for_projection

    column = {"input": "x", "state": "h", "output": "y"}
    grey, _, nodes = for_projection(figures.io_mode_diagram("Two steps", [column, column]))["data"]
    assert grey["marker"]["size"] == pytest.approx([0, 13 * 11 / 6, 0] * 4) and nodes["marker"]["size"] == pytest.approx(22 * 11 / 6)
    line = for_projection(figures.unit_lines(np.zeros((3, 2)), [0], "Units"))["data"][0]
    assert line["marker"]["size"] == 11 and line["line"]["width"] == 5


def test_margins_for_takes_odd_specs_as_they_come():
    """Names that are not text, a colour bar titled by a plain string, a legend asked for with nothing named, a legend
    turned off: margins all the same, whole pixels."""
    traces = [{"type": "scatter", "name": 3}, {"type": "scatter", "name": 4}, {"type": "heatmap", "colorbar": {"title": "log₁₀ of it"}}]
    assert margins_for(traces, {}) == {"l": 90, "r": round(30 + len("log₁₀ of it") * 0.55 * 16 + 20), "t": 60, "b": 110}
    assert margins_for(traces, {"showlegend": False})["b"] == 60
    assert margins_for([{"type": "scatter"}], {"showlegend": True, "legend": {"orientation": "v"}})["r"] == 30
