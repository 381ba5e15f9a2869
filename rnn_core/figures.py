"""Plotly figure builders: data in, a labelled figure out. No Streamlit here.

Every figure uses :data:`LECTURE_TEMPLATE`, so that a chart stays readable when
projected: large type, plain white background, thin grid, colour-blind-safe colours.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

# Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

LECTURE_TEMPLATE = go.layout.Template(
    layout=go.Layout(
        font={"family": "Arial, Helvetica, sans-serif", "size": 16, "color": "#222222"},
        title={"font": {"size": 20}, "x": 0, "xanchor": "left"},
        paper_bgcolor="white",
        plot_bgcolor="white",
        colorway=COLOURS,
        xaxis={"gridcolor": "#e5e5e5", "linecolor": "#888888", "zeroline": False, "ticks": "outside", "automargin": True},
        yaxis={"gridcolor": "#e5e5e5", "linecolor": "#888888", "zeroline": False, "ticks": "outside", "automargin": True},
        margin={"l": 70, "r": 30, "t": 60, "b": 60},
        # legends sit under the plot, where they never cover a title or data
        legend={"bgcolor": "rgba(255,255,255,0.8)", "orientation": "h", "x": 0, "xanchor": "left", "y": -0.22, "yanchor": "top"},
    )
)


def _short_labels(labels: list[str] | None, steps: int) -> bool:
    """Input labels fit under a time axis when they are few and short (characters, bits), not long numbers."""
    return labels is not None and steps <= 60 and all(len(label) <= 3 for label in labels)


def state_heatmap(values: np.ndarray, title: str, value_label: str, bounded: bool = False, x_labels: list[str] | None = None) -> go.Figure:
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
    heatmap = go.Heatmap(
        z=values.T,  # rows are units
        x=np.arange(1, steps + 1),
        y=np.arange(units),
        colorbar={"title": {"text": value_label}},
        hovertemplate="t=%{x}<br>unit %{y}<br>" + value_label + "=%{z:.3f}<extra></extra>",
        **colour,
    )
    fig = go.Figure(heatmap, layout={"template": LECTURE_TEMPLATE, "title": {"text": title}})
    fig.update_xaxes(title_text="time step t")
    if _short_labels(x_labels, steps):
        fig.update_xaxes(title_text="input x_t at each step", tickvals=np.arange(1, steps + 1), ticktext=x_labels, tickangle=0)
    fig.update_yaxes(title_text="hidden unit", autorange="reversed", dtick=1 if units <= 16 else None)
    return fig


def gradient_norm_chart(norms: np.ndarray, title: str, value_label: str = "‖∂L/∂h_t‖") -> go.Figure:
    """Gradient norm per time step on a log scale, ``norms`` shaped ``(T,)``.

    Exactly-zero norms cannot sit on a log axis; they are left out and named in the subtitle.
    """
    norms = np.asarray(norms, dtype=float)  # (T,)
    steps = np.arange(1, len(norms) + 1)
    positive = norms > 0
    fig = go.Figure(
        go.Scatter(
            x=steps[positive],
            y=norms[positive],
            mode="lines+markers",
            line={"width": 3},
            hovertemplate="t=%{x}<br>" + value_label + "=%{y:.3e}<extra></extra>",
        ),
        layout={"template": LECTURE_TEMPLATE, "title": {"text": title}},
    )
    zeros = int((~positive).sum())
    if zeros:
        fig.update_layout(title={"subtitle": {"text": f"{zeros} step(s) with a gradient of exactly 0 are not drawn"}})
    fig.update_xaxes(title_text="time step t", range=[0.5, len(norms) + 0.5])
    fig.update_yaxes(title_text=value_label, title_standoff=12, type="log", exponentformat="power")
    return fig


def loss_curve(steps: np.ndarray, losses: np.ndarray, probe_steps: np.ndarray, probe_losses: np.ndarray) -> go.Figure:
    """Training loss per step and the loss on the fixed probe batch, on a log scale."""
    fig = go.Figure(layout={"template": LECTURE_TEMPLATE, "title": {"text": "Loss during training"}})
    fig.add_trace(
        go.Scatter(
            x=steps,
            y=losses,
            mode="lines",
            name="training batch",
            line={"width": 2},
            hovertemplate="step %{x}<br>loss %{y:.4g}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=probe_steps,
            y=probe_losses,
            mode="markers+lines",
            name="probe batch",
            marker={"size": 9},
            line={"dash": "dot"},
            hovertemplate="step %{x}<br>probe loss %{y:.4g}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="training step")
    fig.update_yaxes(title_text="loss (log scale)", type="log", exponentformat="power")
    return fig


def sequence_prediction_chart(labels: list[str], inputs: np.ndarray, targets: np.ndarray, predictions: np.ndarray, title: str) -> go.Figure:
    """One probe sequence: input x_t, target y_t and prediction ŷ_t against time (regression, many-to-many)."""
    t = np.arange(1, len(targets) + 1)
    fig = go.Figure(layout={"template": LECTURE_TEMPLATE, "title": {"text": title}})
    fig.add_trace(
        go.Scatter(
            x=t,
            y=inputs,
            name="input x_t",
            mode="lines",
            line={"color": "#999999", "width": 2},
            customdata=labels,
            hovertemplate="t=%{x}<br>x_t=%{customdata}<extra></extra>",
        )
    )
    fig.add_trace(go.Scatter(x=t, y=targets, name="target y_t", mode="lines+markers", line={"width": 3}))
    fig.add_trace(go.Scatter(x=t, y=predictions, name="prediction ŷ_t", mode="lines+markers", line={"width": 3, "dash": "dash"}))
    fig.update_xaxes(title_text="time step t")
    fig.update_yaxes(title_text="value (as the network sees it)")
    return fig


def answers_chart(targets: np.ndarray, predictions: np.ndarray, title: str, value_label: str) -> go.Figure:
    """Target against prediction for each probe sequence (many-to-one tasks)."""
    samples = [f"sequence {i + 1}" for i in range(len(targets))]
    fig = go.Figure(layout={"template": LECTURE_TEMPLATE, "title": {"text": title}})
    fig.add_trace(go.Bar(x=samples, y=targets, name="target"))
    fig.add_trace(go.Bar(x=samples, y=predictions, name="prediction"))
    fig.update_yaxes(title_text=value_label)
    fig.update_layout(barmode="group")
    return fig


def unit_lines(values: np.ndarray, units: list[int], title: str, value_label: str = "h_t") -> go.Figure:
    """Chosen units' activations against time, ``values`` shaped ``(T, H)``."""
    t = np.arange(1, len(values) + 1)
    fig = go.Figure(layout={"template": LECTURE_TEMPLATE, "title": {"text": title}})
    for unit in units:
        fig.add_trace(go.Scatter(x=t, y=values[:, unit], mode="lines+markers", name=f"unit {unit}", line={"width": 3}))
    fig.update_xaxes(title_text="time step t")
    fig.update_yaxes(title_text=value_label)
    return fig


def trajectory_2d(coords: np.ndarray, explained: np.ndarray, labels: list[str], title: str) -> go.Figure:
    """The path of h_t through its two main directions, coloured by time, each point labelled with its input."""
    t = np.arange(1, len(coords) + 1)
    fig = go.Figure(layout={"template": LECTURE_TEMPLATE, "title": {"text": title}})
    fig.add_trace(go.Scatter(x=coords[:, 0], y=coords[:, 1], mode="lines", line={"color": "#bbbbbb", "width": 1.5}, showlegend=False))
    fig.add_trace(
        go.Scatter(
            x=coords[:, 0],
            y=coords[:, 1],
            mode="markers",
            showlegend=False,
            marker={"size": 11, "color": t, "colorscale": "Viridis", "colorbar": {"title": {"text": "t"}}, "line": {"width": 0.5}},
            customdata=np.stack([t, np.array(labels, dtype=object)], axis=-1),
            hovertemplate="t=%{customdata[0]}<br>input %{customdata[1]}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text=f"direction 1 ({explained[0]:.0%} of the variance)")
    fig.update_yaxes(title_text=f"direction 2 ({explained[1]:.0%})")
    return fig


def text_activation(chars: list[str], activations: np.ndarray, title: str, per_row: int = 40, bounded: bool = False) -> go.Figure:
    """Characters laid out as text, each cell coloured by a unit's activation (−1 blue … +1 red; a gate: 0 … 1)."""
    n = len(chars)
    rows = max(1, -(-n // per_row))
    z = np.full((rows, per_row), np.nan)
    text = np.full((rows, per_row), "", dtype=object)
    for i, (c, a) in enumerate(zip(chars, activations)):
        z[i // per_row, i % per_row] = a
        text[i // per_row, i % per_row] = c
    fig = go.Figure(
        go.Heatmap(
            z=z,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 18},
            colorscale="Viridis" if bounded else "RdBu_r",
            zmin=0 if bounded else -1,
            zmax=1,
            xgap=2,
            ygap=2,
            colorbar={"title": {"text": "gate" if bounded else "h"}, "tickvals": [0, 0.5, 1] if bounded else [-1, 0, 1], "thickness": 14},
            hovertemplate="%{text}: %{z:.3f}<extra></extra>",
        ),
        layout={"template": LECTURE_TEMPLATE, "title": {"text": title}, "height": max(240, 130 + 44 * rows)},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed")
    return fig


def per_step_bars(values: np.ndarray, title: str, value_label: str, x_labels: list[str] | None = None, log: bool = False) -> go.Figure:
    """One bar per time step t (a NaN leaves its step empty), e.g. the loss L_t or the input sensitivity ‖∂ŷ_τ/∂x_t‖."""
    t = np.arange(1, len(values) + 1)
    fig = go.Figure(
        go.Bar(x=t, y=values, marker={"color": COLOURS[0]}, hovertemplate="t=%{x}<br>" + value_label + "=%{y:.4g}<extra></extra>"),
        layout={"template": LECTURE_TEMPLATE, "title": {"text": title}},
    )
    fig.update_xaxes(title_text="time step t")
    if _short_labels(x_labels, len(t)):
        fig.update_xaxes(title_text="input x_t at each step", tickvals=t, ticktext=x_labels, tickangle=0)
    fig.update_yaxes(title_text=value_label, type="log" if log else "linear", exponentformat="power")
    return fig


def over_training_heatmap(training_steps: list[int], values: np.ndarray, title: str, value_label: str) -> go.Figure:
    """A per-step quantity for every kept snapshot: training step (rows) × time step t (columns), coloured on a log scale."""
    values = np.asarray(values, dtype=float)  # (S, T)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where(values > 0, np.log10(values), np.nan)
    fig = go.Figure(
        go.Heatmap(
            z=logs,
            x=np.arange(1, values.shape[1] + 1),
            y=[str(s) for s in training_steps],
            colorscale="Viridis",
            colorbar={"title": {"text": f"log₁₀ {value_label}"}},
            customdata=values,
            hovertemplate="training step %{y}<br>t=%{x}<br>" + value_label + "=%{customdata:.4g}<extra></extra>",
        ),
        layout={"template": LECTURE_TEMPLATE, "title": {"text": title}},
    )
    fig.update_xaxes(title_text="time step t")
    fig.update_yaxes(title_text="training step", type="category", autorange="reversed")
    return fig


def gradient_profiles(total: np.ndarray, single: np.ndarray, tau: int, title: str) -> go.Figure:
    """‖∂L/∂h_t‖ (the whole loss) and ‖∂L_τ/∂h_t‖ (the loss at step τ alone) against t, log scale."""
    t = np.arange(1, len(total) + 1)
    fig = go.Figure(layout={"template": LECTURE_TEMPLATE, "title": {"text": title}})
    for values, name, dash in ((total, "‖∂L/∂h_t‖, whole loss", "solid"), (single, f"‖∂L_τ/∂h_t‖, loss at τ = {tau + 1} only", "dash")):
        keep = values > 0
        fig.add_trace(go.Scatter(x=t[keep], y=values[keep], name=name, mode="lines+markers", line={"width": 3, "dash": dash}))
    fig.update_xaxes(title_text="time step t")
    fig.update_yaxes(title_text="gradient norm (log scale)", type="log", exponentformat="power")
    return fig


def clipping_chart(steps: np.ndarray, before: np.ndarray, after: np.ndarray, threshold: float) -> go.Figure:
    """The global gradient norm at every training step, before and after clipping."""
    fig = go.Figure(layout={"template": LECTURE_TEMPLATE, "title": {"text": "Global gradient norm during training"}})
    fig.add_trace(go.Scatter(x=steps, y=before, name="before clipping", mode="lines", line={"width": 2}))
    if threshold > 0:
        fig.add_trace(go.Scatter(x=steps, y=after, name="after clipping (what the optimiser used)", mode="lines", line={"width": 2}))
        fig.add_hline(y=threshold, line={"dash": "dot", "color": "#444444"}, annotation_text=f"clip at {threshold:g}")
    fig.update_xaxes(title_text="training step")
    fig.update_yaxes(title_text="‖∇θ L‖ (log scale)", type="log", exponentformat="power")
    return fig


def eigenvalue_plot(eigenvalues: dict[str, np.ndarray], title: str) -> go.Figure:
    """Eigenvalues of W_hh (or its gate blocks) in the complex plane, with the unit circle |λ| = 1."""
    angle = np.linspace(0, 2 * np.pi, 200)
    fig = go.Figure(layout={"template": LECTURE_TEMPLATE, "title": {"text": title}})
    fig.add_trace(go.Scatter(x=np.cos(angle), y=np.sin(angle), mode="lines", name="|λ| = 1", line={"color": "#888888", "dash": "dot"}))
    for name, values in eigenvalues.items():
        values = np.asarray(values)
        fig.add_trace(
            go.Scatter(
                x=values.real,
                y=values.imag,
                mode="markers",
                name=name,
                marker={"size": 9},
                hovertemplate="λ = %{x:.3f} + %{y:.3f}i<extra>" + name + "</extra>",
            )
        )
    fig.update_xaxes(title_text="real part", zeroline=True, zerolinecolor="#cccccc")
    fig.update_yaxes(title_text="imaginary part", zeroline=True, zerolinecolor="#cccccc", scaleanchor="x", scaleratio=1)
    return fig


def gate_histograms(gates: dict[str, np.ndarray], title: str) -> go.Figure:
    """How each gate's values spread over [0, 1] across every unit, step and probe sequence: piles at 0 or 1 mean saturation."""
    fig = go.Figure(layout={"template": LECTURE_TEMPLATE, "title": {"text": title}})
    for name, values in gates.items():
        fig.add_trace(
            go.Histogram(
                x=np.asarray(values).ravel(), name=name, opacity=0.6, xbins={"start": 0, "end": 1, "size": 0.05}, histnorm="percent"
            )
        )
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(title_text="gate value", range=[0, 1])
    fig.update_yaxes(title_text="% of all values")
    return fig


def overlay_lines(
    series: dict[str, tuple[np.ndarray, np.ndarray]], title: str, x_label: str, y_label: str, log_y: bool = True
) -> go.Figure:
    """Several runs on one chart: ``series`` maps a run's label to its (x, y). Non-positive values leave a log axis.

    The legend stands to the right of the plot, one run per line: run labels are long, and a legend of several rows
    under the plot would run into the axis title.
    """
    fig = go.Figure(layout={"template": LECTURE_TEMPLATE, "title": {"text": title}})
    fig.update_layout(legend={"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top"})
    for label, (x, y) in series.items():
        x, y = np.asarray(x), np.asarray(y, dtype=float)
        keep = y > 0 if log_y else np.isfinite(y)
        fig.add_trace(go.Scatter(x=x[keep], y=y[keep], name=label, mode="lines", line={"width": 3}))
    fig.update_xaxes(title_text=x_label)
    fig.update_yaxes(title_text=y_label, type="log" if log_y else "linear", exponentformat="power")
    return fig


def unrolled_diagram(num_layers: int, bidirectional: bool, steps: int, input_size: int, hidden_size: int, output_size: int) -> go.Figure:
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
    fig = go.Figure(
        layout={
            "template": LECTURE_TEMPLATE,
            "title": {"text": f"{num_layers} layer(s), {'both directions' if D == 2 else 'forward only'}, unrolled over {steps} steps"},
        }
    )

    def arrow(x0, y0, x1, y1, colour):
        fig.add_annotation(
            x=x1,
            y=y1,
            ax=x0,
            ay=y0,
            xref="x",
            yref="y",
            axref="x",
            ayref="y",
            showarrow=True,
            arrowhead=2,
            arrowsize=1.2,
            arrowwidth=2,
            arrowcolor=colour,
            standoff=14,
            startstandoff=14,
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
        px.append(x), py.append(0.0), colours.append("#666666")
        for (layer, d), yy in rows.items():
            names.append(f"h{'←' if d else '→'}<sup>{layer + 1}</sup>_{t + 1}")
            px.append(x), py.append(yy), colours.append(COLOURS[d])
        names.append(f"ŷ_{t + 1}")
        px.append(x), py.append(top), colours.append("#222222")
    fig.add_trace(
        go.Scatter(
            x=px,
            y=py,
            mode="markers+text",
            text=names,
            textposition="top right",
            hoverinfo="skip",
            marker={"size": 22, "color": "white", "line": {"width": 3, "color": colours}},
            showlegend=False,
        )
    )
    ticks = [0.0] + list(rows.values()) + [top]
    labels = (
        [f"input x_t ({input_size})"]
        + [f"layer {k + 1} {'reverse' if d else 'forward'} ({hidden_size})" for (k, d) in rows]
        + [f"output ŷ_t ({output_size}, from {D * hidden_size})"]
    )
    fig.update_xaxes(visible=False, range=[-0.5, xs[-1] + 1.2])
    fig.update_yaxes(tickvals=ticks, ticktext=labels, showgrid=False, range=[-0.6, top + 0.6])
    fig.update_layout(height=160 + 90 * (len(rows) + 2))
    return fig
