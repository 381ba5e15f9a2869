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
        legend={"bgcolor": "rgba(255,255,255,0.8)"},
    )
)


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
    if x_labels is not None and steps <= 60:
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
    fig.update_layout(legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"})
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
    fig.update_layout(legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"})
    return fig


def answers_chart(targets: np.ndarray, predictions: np.ndarray, title: str, value_label: str) -> go.Figure:
    """Target against prediction for each probe sequence (many-to-one tasks)."""
    samples = [f"sequence {i + 1}" for i in range(len(targets))]
    fig = go.Figure(layout={"template": LECTURE_TEMPLATE, "title": {"text": title}})
    fig.add_trace(go.Bar(x=samples, y=targets, name="target"))
    fig.add_trace(go.Bar(x=samples, y=predictions, name="prediction"))
    fig.update_yaxes(title_text=value_label)
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"})
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


def text_activation(chars: list[str], activations: np.ndarray, title: str, per_row: int = 40) -> go.Figure:
    """Characters laid out as text, each cell coloured by a unit's activation (−1 blue … +1 red)."""
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
            colorscale="RdBu_r",
            zmin=-1,
            zmax=1,
            xgap=2,
            ygap=2,
            colorbar={"title": {"text": "h"}, "tickvals": [-1, 0, 1], "thickness": 14},
            hovertemplate="%{text}: %{z:.3f}<extra></extra>",
        ),
        layout={"template": LECTURE_TEMPLATE, "title": {"text": title}, "height": max(240, 130 + 44 * rows)},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed")
    return fig
