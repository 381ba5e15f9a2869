"""Figures of training and gradients: loss curves, gradient norms per step and over training, clipping, runs
overlaid, and predictions against targets."""

from __future__ import annotations

import numpy as np

from rnn_core.viz.theme import COLOURS, figure, text_spec, thinned, time_axis, typed


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
    zeros = int((~positive).sum())
    return figure(
        title,
        [line],
        subtitle=f"{zeros} step(s) with a gradient of exactly 0 are not drawn" if zeros else None,
        xaxis={"title": text_spec("time step t"), "range": [0.5, len(norms) + 0.5]},
        yaxis={"title": {"text": value_label, "standoff": 12}, "type": "log", "exponentformat": "power"},
    )


def loss_curve(steps: np.ndarray, losses: np.ndarray, probe_steps: np.ndarray, probe_losses: np.ndarray) -> dict:
    """Training loss per step (as drawn: :func:`thinned`) and the loss on the fixed probe batch, on a log scale."""
    steps, losses = thinned(steps, losses)
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
        xaxis={"title": text_spec("training step")},
        yaxis={"title": text_spec("loss (log scale)"), "type": "log", "exponentformat": "power"},
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
    return figure(title, traces, xaxis={"title": text_spec("time step t")}, yaxis={"title": text_spec("value (as the network sees it)")})


def answers_chart(targets: np.ndarray, predictions: np.ndarray, title: str, value_label: str) -> dict:
    """Target against prediction for each probe sequence (many-to-one tasks)."""
    samples = [f"sequence {i + 1}" for i in range(len(targets))]
    traces = [
        {"type": "bar", "x": samples, "y": typed(targets), "name": "target"},
        {"type": "bar", "x": samples, "y": typed(predictions), "name": "prediction"},
    ]
    return figure(title, traces, yaxis={"title": text_spec(value_label)}, barmode="group")


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
    y_axis = {"title": text_spec(value_label), "type": "log" if log else "linear", "exponentformat": "power"}
    return figure(title, [bars], xaxis=time_axis(len(t), x_labels), yaxis=y_axis)


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
    y_axis = {"title": text_spec("gradient norm (log scale)"), "type": "log", "exponentformat": "power"}
    return figure(title, traces, xaxis={"title": text_spec("time step t")}, yaxis=y_axis)


def clipping_chart(steps: np.ndarray, before: np.ndarray, after: np.ndarray, threshold: float) -> dict:
    """The global gradient norm at every training step (as drawn: :func:`thinned`), before and after clipping."""
    if threshold > 0:
        steps, before, after = thinned(steps, before, after)
    else:  # only the norm before clipping is drawn: the points are all its own
        steps, before = thinned(steps, before)
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
    y_axis = {"title": text_spec("‖∇θ L‖ (log scale)"), "type": "log", "exponentformat": "power"}
    return figure("Global gradient norm during training", traces, xaxis={"title": text_spec("training step")}, yaxis=y_axis, **layout)


def overlay_lines(series: dict[str, tuple[np.ndarray, np.ndarray]], title: str, x_label: str, y_label: str, log_y: bool = True) -> dict:
    """Several runs on one chart: ``series`` maps a run's label to its (x, y), each drawn as :func:`thinned` does.
    Non-positive values leave a log axis.

    The legend stands to the right of the plot, one run per line: run labels are long, and a legend of several rows
    under the plot would run into the axis title.
    """
    traces = []
    for label, (x, y) in series.items():
        x, y = np.asarray(x), np.asarray(y, dtype=float)
        keep = y > 0 if log_y else np.isfinite(y)
        x, y = thinned(x[keep], y[keep])
        mode = "lines" if len(x) > 3 else "lines+markers"  # a line through one point draws nothing: mark it
        traces.append({"type": "scatter", "x": typed(x), "y": typed(y), "name": label, "mode": mode, "line": {"width": 3}})
    return figure(
        title,
        traces,
        legend={"orientation": "v", "x": 1.02, "xanchor": "left", "yref": "paper", "y": 1, "yanchor": "top"},
        xaxis={"title": text_spec(x_label)},
        yaxis={"title": text_spec(y_label), "type": "log" if log_y else "linear", "exponentformat": "power"},
    )
