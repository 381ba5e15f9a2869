"""Plotly figure builders: data in, a labelled figure out, as a plain Plotly spec (a dict). No Streamlit here.

A spec is what Plotly's JavaScript draws: ``{"data": [traces], "layout": {...}}``. It is built as plain data because
Plotly's Python object model validates every property as it is set, which cost a live page 5–30 ms per chart (a
thousand times the spec's own cost) on every refresh of every session. Validation happens in the tests instead:
every builder's spec, on real data, must construct a ``plotly.graph_objects.Figure`` (tests/test_figures.py).

Numeric arrays go in as Plotly's typed arrays (``{"dtype", "bdata", "shape"}``: base64 of the raw bytes, as Plotly's
own encoder writes them), so a figure's JSON stays small and quick to write. Every figure uses
:data:`LECTURE_TEMPLATE`, so that a chart stays readable when projected: large type, plain white background, thin
grid, colour-blind-safe colours.
"""

from __future__ import annotations

import base64

import numpy as np

# Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

_AXIS = {"gridcolor": "#e5e5e5", "linecolor": "#888888", "zeroline": False, "ticks": "outside", "automargin": True}
LECTURE_TEMPLATE = {
    "layout": {
        "font": {"family": "Arial, Helvetica, sans-serif", "size": 16, "color": "#222222"},
        "title": {"font": {"size": 20}, "x": 0, "xanchor": "left"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "colorway": COLOURS,
        "xaxis": _AXIS,
        "yaxis": _AXIS,
        "margin": {"l": 70, "r": 30, "t": 60, "b": 60},
        # legends sit under the plot, where they never cover a title or data
        "legend": {"bgcolor": "rgba(255,255,255,0.8)", "orientation": "h", "x": 0, "xanchor": "left", "y": -0.22, "yanchor": "top"},
    }
}
_TYPED = {
    "f": {8: "f8", 4: "f4", 2: "f4"},
    "i": {8: "i4", 4: "i4", 2: "i2", 1: "i1"},
    "u": {8: "u4", 4: "u4", 2: "u2", 1: "u1"},
    "b": {1: "u1"},
}


def typed(values) -> dict | list:
    """A numeric array as Plotly's typed-array spec; text or objects stay a list.

    Whole numbers go as 32-bit (Plotly's JavaScript has no 64-bit integer arrays), floats keep their precision.
    """
    array = np.asarray(values)
    dtype = _TYPED.get(array.dtype.kind, {}).get(array.dtype.itemsize)
    if dtype is None:
        return array.tolist()
    array = np.ascontiguousarray(array, dtype=dtype)
    spec = {"dtype": dtype, "bdata": base64.b64encode(array.tobytes()).decode("ascii")}
    if array.ndim > 1:
        spec["shape"] = ", ".join(map(str, array.shape))
    return spec


def _text(text: str) -> dict:
    return {"text": text}


def figure(title: str, traces: list[dict], **layout) -> dict:
    """A spec on the lecture template: ``layout`` adds to it, e.g. ``xaxis={"title": _text("t")}``."""
    return {"data": traces, "layout": {"template": LECTURE_TEMPLATE, "title": _text(title), **layout}}


def _short_labels(labels: list[str] | None, steps: int) -> bool:
    """Input labels fit under a time axis when they are few and short (characters, bits), not long numbers."""
    return labels is not None and steps <= 60 and all(len(label) <= 3 for label in labels)


def _time_axis(steps: int, labels: list[str] | None) -> dict:
    """The x axis of a per-step chart: the time step, or each step's input under it when the inputs are short."""
    if _short_labels(labels, steps):
        return {"title": _text("input x_t at each step"), "tickvals": typed(np.arange(1, steps + 1)), "ticktext": labels, "tickangle": 0}
    return {"title": _text("time step t")}


def state_heatmap(values: np.ndarray, title: str, value_label: str, bounded: bool = False, x_labels: list[str] | None = None) -> dict:
    """Unit × time heatmap of a state or gate, ``values`` shaped ``(T, H)``.

    ``bounded`` is for gates that live in [0, 1] (a sequential scale from 0 to 1);
    otherwise the scale is diverging and centred on 0, so sign reads as colour.
    ``x_labels`` names each step's input (a character, a number) under the axis when there are few steps.
    """
    values = np.asarray(values, dtype=float)  # (T, H)
    if values.ndim != 2:
        raise ValueError(f"values must be 2-D (time, unit), got shape {values.shape}")
    steps, units = values.shape
    colour = {"colorscale": "Viridis", "zmin": 0.0, "zmax": 1.0} if bounded else {"colorscale": "RdBu_r", "zmid": 0.0}
    heatmap = {
        "type": "heatmap",
        "z": typed(values.T),  # rows are units
        "x": typed(np.arange(1, steps + 1)),
        "y": typed(np.arange(units)),
        "colorbar": {"title": _text(value_label)},
        "hovertemplate": "t=%{x}<br>unit %{y}<br>" + value_label + "=%{z:.3f}<extra></extra>",
        **colour,
    }
    y_axis = {"title": _text("hidden unit"), "autorange": "reversed", **({"dtick": 1} if units <= 16 else {})}
    return figure(title, [heatmap], xaxis=_time_axis(steps, x_labels), yaxis=y_axis)


def gradient_norm_chart(norms: np.ndarray, title: str, value_label: str = "‖∂L/∂h_t‖") -> dict:
    """Gradient norm per time step on a log scale, ``norms`` shaped ``(T,)``.

    Exactly-zero norms cannot sit on a log axis; they are left out and named in the subtitle.
    """
    norms = np.asarray(norms, dtype=float)  # (T,)
    steps = np.arange(1, len(norms) + 1)
    positive = norms > 0
    line = {
        "type": "scatter",
        "x": typed(steps[positive]),
        "y": typed(norms[positive]),
        "mode": "lines+markers",
        "line": {"width": 3},
        "hovertemplate": "t=%{x}<br>" + value_label + "=%{y:.3e}<extra></extra>",
    }
    spec = figure(
        title,
        [line],
        xaxis={"title": _text("time step t"), "range": [0.5, len(norms) + 0.5]},
        yaxis={"title": {"text": value_label, "standoff": 12}, "type": "log", "exponentformat": "power"},
    )
    zeros = int((~positive).sum())
    if zeros:
        spec["layout"]["title"]["subtitle"] = _text(f"{zeros} step(s) with a gradient of exactly 0 are not drawn")
    return spec


def loss_curve(steps: np.ndarray, losses: np.ndarray, probe_steps: np.ndarray, probe_losses: np.ndarray) -> dict:
    """Training loss per step and the loss on the fixed probe batch, on a log scale."""
    training = {
        "type": "scatter",
        "x": typed(steps),
        "y": typed(losses),
        "mode": "lines",
        "name": "training batch",
        "line": {"width": 2},
        "hovertemplate": "step %{x}<br>loss %{y:.4g}<extra></extra>",
    }
    probe = {
        "type": "scatter",
        "x": typed(probe_steps),
        "y": typed(probe_losses),
        "mode": "markers+lines",
        "name": "probe batch",
        "marker": {"size": 9},
        "line": {"dash": "dot"},
        "hovertemplate": "step %{x}<br>probe loss %{y:.4g}<extra></extra>",
    }
    return figure(
        "Loss during training",
        [training, probe],
        xaxis={"title": _text("training step")},
        yaxis={"title": _text("loss (log scale)"), "type": "log", "exponentformat": "power"},
    )


def sequence_prediction_chart(labels: list[str], inputs: np.ndarray, targets: np.ndarray, predictions: np.ndarray, title: str) -> dict:
    """One probe sequence: input x_t, target y_t and prediction ŷ_t against time (regression, many-to-many)."""
    t = typed(np.arange(1, len(targets) + 1))
    traces = [
        {
            "type": "scatter",
            "x": t,
            "y": typed(inputs),
            "name": "input x_t",
            "mode": "lines",
            "line": {"color": "#999999", "width": 2},
            "customdata": list(labels),
            "hovertemplate": "t=%{x}<br>x_t=%{customdata}<extra></extra>",
        },
        {"type": "scatter", "x": t, "y": typed(targets), "name": "target y_t", "mode": "lines+markers", "line": {"width": 3}},
        {
            "type": "scatter",
            "x": t,
            "y": typed(predictions),
            "name": "prediction ŷ_t",
            "mode": "lines+markers",
            "line": {"width": 3, "dash": "dash"},
        },
    ]
    return figure(title, traces, xaxis={"title": _text("time step t")}, yaxis={"title": _text("value (as the network sees it)")})


def answers_chart(targets: np.ndarray, predictions: np.ndarray, title: str, value_label: str) -> dict:
    """Target against prediction for each probe sequence (many-to-one tasks)."""
    samples = [f"sequence {i + 1}" for i in range(len(targets))]
    traces = [
        {"type": "bar", "x": samples, "y": typed(targets), "name": "target"},
        {"type": "bar", "x": samples, "y": typed(predictions), "name": "prediction"},
    ]
    return figure(title, traces, yaxis={"title": _text(value_label)}, barmode="group")


def unit_lines(values: np.ndarray, units: list[int], title: str, value_label: str = "h_t") -> dict:
    """Chosen units' activations against time, ``values`` shaped ``(T, H)``."""
    t = typed(np.arange(1, len(values) + 1))
    traces = [
        {"type": "scatter", "x": t, "y": typed(values[:, unit]), "mode": "lines+markers", "name": f"unit {unit}", "line": {"width": 3}}
        for unit in units
    ]
    return figure(title, traces, xaxis={"title": _text("time step t")}, yaxis={"title": _text(value_label)})


def trajectory_2d(coords: np.ndarray, explained: np.ndarray, labels: list[str], title: str) -> dict:
    """The path of h_t through its two main directions, coloured by time, each point labelled with its input."""
    t = np.arange(1, len(coords) + 1)
    x, y = typed(coords[:, 0]), typed(coords[:, 1])
    path = {"type": "scatter", "x": x, "y": y, "mode": "lines", "line": {"color": "#bbbbbb", "width": 1.5}, "showlegend": False}
    points = {
        "type": "scatter",
        "x": x,
        "y": y,
        "mode": "markers",
        "showlegend": False,
        "marker": {"size": 11, "color": typed(t), "colorscale": "Viridis", "colorbar": {"title": _text("t")}, "line": {"width": 0.5}},
        "customdata": [[int(step), str(label)] for step, label in zip(t, labels)],
        "hovertemplate": "t=%{customdata[0]}<br>input %{customdata[1]}<extra></extra>",
    }
    return figure(
        title,
        [path, points],
        xaxis={"title": _text(f"direction 1 ({explained[0]:.0%} of the variance)")},
        yaxis={"title": _text(f"direction 2 ({explained[1]:.0%})")},
    )


def text_activation(chars: list[str], activations: np.ndarray, title: str, per_row: int = 40, bounded: bool = False) -> dict:
    """Characters laid out as text, each cell coloured by a unit's activation (−1 blue … +1 red; a gate: 0 … 1)."""
    n = len(chars)
    rows = max(1, -(-n // per_row))
    z = np.full((rows, per_row), np.nan)
    text = [[""] * per_row for _ in range(rows)]
    for i, (c, a) in enumerate(zip(chars, activations)):
        z[i // per_row, i % per_row] = a
        text[i // per_row][i % per_row] = c
    heatmap = {
        "type": "heatmap",
        "z": typed(z),
        "text": text,
        "texttemplate": "%{text}",
        "textfont": {"size": 18},
        "colorscale": "Viridis" if bounded else "RdBu_r",
        "zmin": 0 if bounded else -1,
        "zmax": 1,
        "xgap": 2,
        "ygap": 2,
        "colorbar": {"title": _text("gate" if bounded else "h"), "tickvals": [0, 0.5, 1] if bounded else [-1, 0, 1], "thickness": 14},
        "hovertemplate": "%{text}: %{z:.3f}<extra></extra>",
    }
    return figure(
        title, [heatmap], height=max(240, 130 + 44 * rows), xaxis={"visible": False}, yaxis={"visible": False, "autorange": "reversed"}
    )


def per_step_bars(values: np.ndarray, title: str, value_label: str, x_labels: list[str] | None = None, log: bool = False) -> dict:
    """One bar per time step t (a NaN leaves its step empty), e.g. the loss L_t or the input sensitivity ‖∂ŷ_τ/∂x_t‖."""
    t = np.arange(1, len(values) + 1)
    bars = {
        "type": "bar",
        "x": typed(t),
        "y": typed(np.asarray(values)),
        "marker": {"color": COLOURS[0]},
        "hovertemplate": "t=%{x}<br>" + value_label + "=%{y:.4g}<extra></extra>",
    }
    y_axis = {"title": _text(value_label), "type": "log" if log else "linear", "exponentformat": "power"}
    return figure(title, [bars], xaxis=_time_axis(len(t), x_labels), yaxis=y_axis)


def over_training_heatmap(training_steps: list[int], values: np.ndarray, title: str, value_label: str) -> dict:
    """A per-step quantity for every kept snapshot: training step (rows) × time step t (columns), coloured on a log scale."""
    values = np.asarray(values, dtype=float)  # (S, T)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where(values > 0, np.log10(values), np.nan)
    heatmap = {
        "type": "heatmap",
        "z": typed(logs),
        "x": typed(np.arange(1, values.shape[1] + 1)),
        "y": [str(s) for s in training_steps],
        "colorscale": "Viridis",
        "colorbar": {"title": _text(f"log₁₀ {value_label}")},
        "customdata": typed(values),
        "hovertemplate": "training step %{y}<br>t=%{x}<br>" + value_label + "=%{customdata:.4g}<extra></extra>",
    }
    y_axis = {"title": _text("training step"), "type": "category", "autorange": "reversed"}
    return figure(title, [heatmap], xaxis={"title": _text("time step t")}, yaxis=y_axis)


def gradient_profiles(total: np.ndarray, single: np.ndarray, tau: int, title: str) -> dict:
    """‖∂L/∂h_t‖ (the whole loss) and ‖∂L_τ/∂h_t‖ (the loss at step τ alone) against t, log scale."""
    t = np.arange(1, len(total) + 1)
    traces = []
    for values, name, dash in ((total, "‖∂L/∂h_t‖, whole loss", "solid"), (single, f"‖∂L_τ/∂h_t‖, loss at τ = {tau + 1} only", "dash")):
        keep = values > 0
        traces.append(
            {
                "type": "scatter",
                "x": typed(t[keep]),
                "y": typed(values[keep]),
                "name": name,
                "mode": "lines+markers",
                "line": {"width": 3, "dash": dash},
            }
        )
    y_axis = {"title": _text("gradient norm (log scale)"), "type": "log", "exponentformat": "power"}
    return figure(title, traces, xaxis={"title": _text("time step t")}, yaxis=y_axis)


def clipping_chart(steps: np.ndarray, before: np.ndarray, after: np.ndarray, threshold: float) -> dict:
    """The global gradient norm at every training step, before and after clipping."""
    x = typed(steps)
    traces = [{"type": "scatter", "x": x, "y": typed(before), "name": "before clipping", "mode": "lines", "line": {"width": 2}}]
    layout = {}
    if threshold > 0:
        traces.append(
            {
                "type": "scatter",
                "x": x,
                "y": typed(after),
                "name": "after clipping (what the optimiser used)",
                "mode": "lines",
                "line": {"width": 2},
            }
        )
        # what Plotly's add_hline draws: a line across the plot at y = threshold, labelled at its right end
        layout["shapes"] = [
            {
                "type": "line",
                "xref": "x domain",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": threshold,
                "y1": threshold,
                "line": {"dash": "dot", "color": "#444444"},
            }
        ]
        layout["annotations"] = [
            {
                "text": f"clip at {threshold:g}",
                "showarrow": False,
                "xref": "x domain",
                "x": 1,
                "xanchor": "right",
                "yref": "y",
                "y": threshold,
                "yanchor": "bottom",
            }
        ]
    y_axis = {"title": _text("‖∇θ L‖ (log scale)"), "type": "log", "exponentformat": "power"}
    return figure("Global gradient norm during training", traces, xaxis={"title": _text("training step")}, yaxis=y_axis, **layout)


def eigenvalue_plot(eigenvalues: dict[str, np.ndarray], title: str) -> dict:
    """Eigenvalues of W_hh (or its gate blocks) in the complex plane, with the unit circle |λ| = 1."""
    angle = np.linspace(0, 2 * np.pi, 200)
    circle = {"type": "scatter", "x": typed(np.cos(angle)), "y": typed(np.sin(angle)), "mode": "lines", "name": "|λ| = 1"}
    circle["line"] = {"color": "#888888", "dash": "dot"}
    traces = [circle]
    for name, values in eigenvalues.items():
        values = np.asarray(values)
        traces.append(
            {
                "type": "scatter",
                "x": typed(values.real),
                "y": typed(values.imag),
                "mode": "markers",
                "name": name,
                "marker": {"size": 9},
                "hovertemplate": "λ = %{x:.3f} + %{y:.3f}i<extra>" + name + "</extra>",
            }
        )
    axis = {"zeroline": True, "zerolinecolor": "#cccccc"}
    return figure(
        title,
        traces,
        xaxis={"title": _text("real part"), **axis},
        yaxis={"title": _text("imaginary part"), **axis, "scaleanchor": "x", "scaleratio": 1},
    )


def gate_histograms(gates: dict[str, np.ndarray], title: str) -> dict:
    """How each gate's values spread over [0, 1] across every unit, step and probe sequence: piles at 0 or 1 mean saturation."""
    traces = [
        {
            "type": "histogram",
            "x": typed(np.asarray(values).ravel()),
            "name": name,
            "opacity": 0.6,
            "xbins": {"start": 0, "end": 1, "size": 0.05},
            "histnorm": "percent",
        }
        for name, values in gates.items()
    ]
    return figure(
        title, traces, barmode="overlay", xaxis={"title": _text("gate value"), "range": [0, 1]}, yaxis={"title": _text("% of all values")}
    )


def overlay_lines(series: dict[str, tuple[np.ndarray, np.ndarray]], title: str, x_label: str, y_label: str, log_y: bool = True) -> dict:
    """Several runs on one chart: ``series`` maps a run's label to its (x, y). Non-positive values leave a log axis.

    The legend stands to the right of the plot, one run per line: run labels are long, and a legend of several rows
    under the plot would run into the axis title.
    """
    traces = []
    for label, (x, y) in series.items():
        x, y = np.asarray(x), np.asarray(y, dtype=float)
        keep = y > 0 if log_y else np.isfinite(y)
        traces.append({"type": "scatter", "x": typed(x[keep]), "y": typed(y[keep]), "name": label, "mode": "lines", "line": {"width": 3}})
    return figure(
        title,
        traces,
        legend={"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top"},
        xaxis={"title": _text(x_label)},
        yaxis={"title": _text(y_label), "type": "log" if log_y else "linear", "exponentformat": "power"},
    )


def vanishing_by_hand_chart(lengths: np.ndarray, gradients: np.ndarray, w_h: float) -> dict:
    """The vanishing-by-hand lesson: ∂L/∂h_0 by autograd against the formula 2·w_h^L, over the sequence length L.

    Gradients of exactly 0 (float32's rounding, not the maths) cannot sit on the log axis and are left out.
    """
    keep = gradients > 0
    formula = np.arange(1, 11)
    traces = [
        {
            "type": "scatter",
            "x": typed(lengths[keep]),
            "y": typed(gradients[keep]),
            "mode": "lines+markers",
            "line": {"width": 3},
            "name": "autograd",
        },
        {"type": "scatter", "x": typed(formula), "y": typed(2 * w_h**formula), "mode": "lines", "line": {"dash": "dot"}, "name": "2·w_h^L"},
    ]
    return figure(
        f"∂L/∂h_0 against the sequence length (w_h = {w_h:g})",
        traces,
        xaxis={"title": _text("sequence length L")},
        yaxis={"title": _text("∂L/∂h_0 (log scale)"), "type": "log", "exponentformat": "power"},
    )


def unrolled_diagram(num_layers: int, bidirectional: bool, steps: int, input_size: int, hidden_size: int, output_size: int) -> dict:
    """Which state feeds which, unrolled over ``steps``: inputs at the bottom, one row per layer and direction, outputs on top.

    Forward states pass to the right (h_{t−1} → h_t), reverse states to the left (h_{t+1} → h_t); every layer above the
    first reads both directions of the layer below at the same step.
    """
    D = 2 if bidirectional else 1
    rows = {}  # (layer, direction) -> y position
    y = 1.0
    for layer in range(num_layers):
        for d in range(D):
            rows[(layer, d)] = y
            y += 1.0
    top = y
    xs = np.arange(steps, dtype=float) * 1.6
    arrows = []

    def arrow(x0, y0, x1, y1, colour):
        arrows.append(
            {
                "x": float(x1),
                "y": float(y1),
                "ax": float(x0),
                "ay": float(y0),
                "xref": "x",
                "yref": "y",
                "axref": "x",
                "ayref": "y",
                "showarrow": True,
                "arrowhead": 2,
                "arrowsize": 1.2,
                "arrowwidth": 2,
                "arrowcolor": colour,
                "standoff": 14,
                "startstandoff": 14,
            }
        )

    for t, x in enumerate(xs):
        for (layer, d), yy in rows.items():
            below = [0.0] if layer == 0 else [rows[(layer - 1, k)] for k in range(D)]
            for yb in below:
                arrow(x, yb, x, yy, "#999999")
            if d == 0 and t > 0:
                arrow(xs[t - 1], yy, x, yy, COLOURS[0])
            if d == 1 and t < steps - 1:
                arrow(xs[t + 1], yy, x, yy, COLOURS[1])
        for k in range(D):
            arrow(x, rows[(num_layers - 1, k)], x, top, "#999999")
    names, px, py, colours = [], [], [], []
    for t, x in enumerate(xs):
        names.append(f"x_{t + 1}")
        px.append(float(x)), py.append(0.0), colours.append("#666666")
        for (layer, d), yy in rows.items():
            names.append(f"h{'←' if d else '→'}<sup>{layer + 1}</sup>_{t + 1}")
            px.append(float(x)), py.append(yy), colours.append(COLOURS[d])
        names.append(f"ŷ_{t + 1}")
        px.append(float(x)), py.append(top), colours.append("#222222")
    nodes = {
        "type": "scatter",
        "x": px,
        "y": py,
        "mode": "markers+text",
        "text": names,
        "textposition": "top right",
        "hoverinfo": "skip",
        "marker": {"size": 22, "color": "white", "line": {"width": 3, "color": colours}},
        "showlegend": False,
    }
    ticks = [0.0] + list(rows.values()) + [top]
    labels = (
        [f"input x_t ({input_size})"]
        + [f"layer {k + 1} {'reverse' if d else 'forward'} ({hidden_size})" for (k, d) in rows]
        + [f"output ŷ_t ({output_size}, from {D * hidden_size})"]
    )
    title = f"{num_layers} layer(s), {'both directions' if D == 2 else 'forward only'}, unrolled over {steps} steps"
    return figure(
        title,
        [nodes],
        annotations=arrows,
        xaxis={"visible": False, "range": [-0.5, float(xs[-1]) + 1.2]},
        yaxis={"tickvals": ticks, "ticktext": labels, "showgrid": False, "range": [-0.6, top + 0.6]},
        height=160 + 90 * (len(rows) + 2),
    )
