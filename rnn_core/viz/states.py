"""Figures of a model's insides: states and gates over time (heatmaps, chosen units, the 2-D path, text coloured
by a unit), over training, gate distributions and eigenvalues."""

from __future__ import annotations

import numpy as np

from rnn_core.viz.theme import figure, text_spec, time_axis, typed


def state_heatmap(
    values: np.ndarray, title: str, value_label: str, bounded: bool = False, x_labels: list[str] | None = None, positive: bool = False
) -> dict:
    """Unit × time heatmap of a state or gate, ``values`` shaped ``(T, H)``.

    ``bounded`` is for gates that live in [0, 1] (a sequential scale from 0 to 1), ``positive`` for values above 0
    (a sequential scale from 0 to the largest); otherwise the scale is diverging and centred on 0, so sign reads as colour.
    ``x_labels`` names each step's input (a character, a number) under the axis when there are few steps.
    """
    values = np.asarray(values, dtype=float)  # (T, H)
    if values.ndim != 2:
        raise ValueError(f"values must be 2-D (time, unit), got shape {values.shape}")
    steps, units = values.shape
    colour = {"colorscale": "Viridis", "zmin": 0.0, "zmax": 1.0} if bounded else {"colorscale": "RdBu_r", "zmid": 0.0}
    if positive:
        colour = {"colorscale": "Viridis", "zmin": 0.0}
    heatmap = {
        "type": "heatmap",
        "z": typed(values.T),  # rows are units
        "x": typed(np.arange(1, steps + 1)),
        "y": typed(np.arange(units)),
        "colorbar": {"title": text_spec(value_label)},
        "hovertemplate": "t=%{x}<br>unit %{y}<br>" + value_label + "=%{z:.3f}<extra></extra>",
        **colour,
    }
    y_axis = {"title": text_spec("hidden unit"), "autorange": "reversed", **({"dtick": 1} if units <= 16 else {})}
    return figure(title, [heatmap], xaxis=time_axis(steps, x_labels), yaxis=y_axis)


GRID_ROW_PX = 450  # a row of a grid of heatmaps: as tall as a chart of its own
HEADING_PX, X_AXIS_PX = 60, 65  # above each plot its heading (two lines), below it the time axis


def heatmap_grid(title: str, panels: list[dict]) -> dict:
    """Several :func:`state_heatmap` figures as one, two to a row, each with its own colour bar and its title over it.

    One figure instead of several: in the browser, each chart carries a fixed cost beside its drawing (its element,
    its layout, its toolbar), and a live page redraws all of them every refresh. The Gates page's five heatmaps took
    two thirds of the time as one figure (measured in Chromium, 62–78 → 40–46 ms a drawing).
    """
    columns = 1 if len(panels) == 1 else 2
    rows = -(-len(panels) // columns)
    height = rows * GRID_ROW_PX  # the plot area; the figure's own title sits above it, in the margin

    def y(px: float) -> float:  # pixels down from the top of the plot area, as a fraction of it up from its bottom
        return 1 - px / height

    traces, layout, headings = [], {}, []
    for k, panel in enumerate(panels):
        row, column = divmod(k, columns)
        left = 0.58 * column  # between the columns: the left one's colour bar, the right one's axis labels
        right = left + (0.37 if columns == 2 else 0.87)
        top, bottom = row * GRID_ROW_PX + HEADING_PX, (row + 1) * GRID_ROW_PX - X_AXIS_PX
        n = "" if k == 0 else str(k + 1)
        (trace,) = panel["data"]
        bar = {"x": right + 0.01, "xanchor": "left", "y": y((top + bottom) / 2), "len": (bottom - top) / height, "thickness": 20}
        traces.append(trace | {"xaxis": f"x{n}", "yaxis": f"y{n}", "colorbar": trace.get("colorbar", {}) | bar})
        layout[f"xaxis{n}"] = panel["layout"]["xaxis"] | {"domain": [left, right], "anchor": f"y{n}"}
        layout[f"yaxis{n}"] = panel["layout"]["yaxis"] | {"domain": [y(bottom), y(top)], "anchor": f"x{n}"}
        heading = panel["layout"]["title"]["text"].replace(": ", ":<br>", 1)
        at = {"xref": "paper", "yref": "paper", "x": left, "xanchor": "left", "y": y(top - 8), "yanchor": "bottom"}
        headings.append({"text": heading, "align": "left", "showarrow": False, **at})
    margin = {"l": 90, "r": 60 if columns == 2 else 30, "t": 60, "b": 10}  # the right column's colour bar reaches past it
    return figure(title, traces, height=height + margin["t"] + margin["b"], margin=margin, annotations=headings, **layout)


def unit_lines(values: np.ndarray, units: list[int], title: str, value_label: str = "h_t") -> dict:
    """Chosen units' activations against time, ``values`` shaped ``(T, H)``."""
    t = typed(np.arange(1, len(values) + 1))
    traces = [
        {"type": "scatter", "x": t, "y": typed(values[:, unit]), "mode": "lines+markers", "name": f"unit {unit}", "line": {"width": 3}}
        for unit in units
    ]
    return figure(title, traces, xaxis={"title": text_spec("time step t")}, yaxis={"title": text_spec(value_label)})


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
        "marker": {"size": 11, "color": typed(t), "colorscale": "Viridis", "colorbar": {"title": text_spec("t")}, "line": {"width": 0.5}},
        "customdata": [[int(step), str(label)] for step, label in zip(t, labels)],
        "hovertemplate": "t=%{customdata[0]}<br>input %{customdata[1]}<extra></extra>",
    }
    return figure(
        title,
        [path, points],
        xaxis={"title": text_spec(f"direction 1 ({explained[0]:.0%} of the variance)")},
        yaxis={"title": text_spec(f"direction 2 ({explained[1]:.0%})")},
    )


def text_activation(
    chars: list[str], activations: np.ndarray, title: str, per_row: int = 40, bounded: bool = False, positive: bool = False
) -> dict:
    """Characters laid out as text, each cell coloured by a unit's activation (−1 blue … +1 red; a gate: 0 … 1;
    a ``positive`` value such as the S6 layer's Δ_t: 0 … its largest)."""
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
        "colorscale": "Viridis" if bounded or positive else "RdBu_r",
        "zmin": 0 if bounded or positive else -1,
        "zmax": float(np.nanmax(z)) if positive else 1,
        "xgap": 2,
        "ygap": 2,
        "colorbar": {"title": text_spec("gate" if bounded else "Δ" if positive else "h"), "thickness": 14}
        | ({} if positive else {"tickvals": [0, 0.5, 1] if bounded else [-1, 0, 1]}),
        "hovertemplate": "%{text}: %{z:.3f}<extra></extra>",
    }
    return figure(
        title, [heatmap], height=max(240, 130 + 44 * rows), xaxis={"visible": False}, yaxis={"visible": False, "autorange": "reversed"}
    )


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
        "colorbar": {"title": text_spec(f"log₁₀ {value_label}")},
        "customdata": typed(values),
        "hovertemplate": "training step %{y}<br>t=%{x}<br>" + value_label + "=%{customdata:.4g}<extra></extra>",
    }
    y_axis = {"title": text_spec("training step"), "type": "category", "autorange": "reversed"}
    return figure(title, [heatmap], xaxis={"title": text_spec("time step t")}, yaxis=y_axis)


GATE_BINS = np.linspace(0, 1, 21)  # twenty bins of 0.05 over a sigmoid gate's range


def gate_histograms(gates: dict[str, np.ndarray], title: str) -> dict:
    """How each gate's values spread over [0, 1] across every unit, step and probe sequence: piles at 0 or 1 mean saturation.

    The bins are counted here and drawn as bars: a Plotly histogram would send every value (tens of thousands per
    gate) to the browser and bin them there, which took a quarter of a second of the page's drawing.
    """
    centres = (GATE_BINS[:-1] + GATE_BINS[1:]) / 2
    traces = []
    for name, values in gates.items():
        counts, _ = np.histogram(np.clip(np.asarray(values).ravel(), 0, 1), bins=GATE_BINS)
        percent = 100 * counts / max(counts.sum(), 1)
        trace = {"type": "bar", "x": typed(centres), "y": typed(percent), "width": float(GATE_BINS[1] - GATE_BINS[0]), "name": name}
        trace |= {"opacity": 0.6, "hovertemplate": f"%{{x:.3f}} ± {trace['width'] / 2:g}: %{{y:.1f}} %<extra>{name}</extra>"}
        traces.append(trace)
    return figure(
        title,
        traces,
        barmode="overlay",
        xaxis={"title": text_spec("gate value"), "range": [0, 1]},
        yaxis={"title": text_spec("% of all values")},
    )


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
        xaxis={"title": text_spec("real part"), **axis},
        yaxis={"title": text_spec("imaginary part"), **axis, "scaleanchor": "x", "scaleratio": 1},
    )
