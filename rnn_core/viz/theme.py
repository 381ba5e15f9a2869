"""What every figure shares: the lecture template, Plotly's typed arrays, the spec's frame and the time axis.

The builders (states, training, lessons) take data in and give a labelled figure out, as a plain Plotly spec (a dict).

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
        # legends sit at the foot of the figure, under the x axis's title, where they never cover a title or data
        "legend": {
            "bgcolor": "rgba(255,255,255,0.8)",
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "yref": "container",
            "y": 0,
            "yanchor": "bottom",
        },
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


# A series over training (a loss, a gradient norm at every step) is drawn with at most this many points. A run reaches
# 20,000 steps: in full, Train's loss curve was 360 KB and Gradients' norms 720 KB, sent on every live refresh of every
# session and drawn by the student's browser, for a chart 600 to 1,300 pixels wide.
DRAWN_POINTS = 2000


def thinned(x, y, *more, most: int = DRAWN_POINTS) -> tuple[np.ndarray, ...]:
    """``x`` and the series ``y``, ``*more`` (finite, of x's length, ordered by x) at no more than ``most`` of their
    points, as drawn.

    A long series is cut into runs of steps, as many as the points allow, and each run keeps, of every series, its
    lowest and its highest point (and the first and last step are kept): the line spans the same band at every pixel,
    spikes included, and every point drawn is a real one, so a hover shows a step's true value. Short series come
    back as they are.
    """
    x, ys = np.asarray(x), [np.asarray(v) for v in (y, *more)]
    n, runs = len(x), most // (2 * len(ys)) - 1  # two points per run and series, and room for the first and the last
    if n <= most or runs < 1:
        return (x, *ys)
    bounds = np.linspace(0, n, runs + 1).astype(int)  # run r: steps bounds[r] … bounds[r + 1] − 1
    width = int(np.diff(bounds).max())
    steps = np.minimum(bounds[:-1, None] + np.arange(width), bounds[1:, None] - 1)  # (runs, width): a short run repeats its last
    picked = [np.array([0, n - 1])]
    for values in ys:
        in_runs = values[steps]  # (runs, width)
        for extreme in (in_runs.argmin(axis=1), in_runs.argmax(axis=1)):  # (runs,) each
            picked.append(np.take_along_axis(steps, extreme[:, None], axis=1))
    keep = np.unique(np.concatenate([p.ravel() for p in picked]))  # sorted: in the order of x
    return (x[keep], *(v[keep] for v in ys))


def text_spec(text: str) -> dict:
    """A title or label as Plotly wants it: ``{"text": ...}``."""
    return {"text": text}


def figure(title: str, traces: list[dict], subtitle: str | None = None, **layout) -> dict:
    """A spec on the lecture template: ``layout`` adds to it, e.g. ``xaxis={"title": text_spec("t")}``; its margins
    already hold the labels (:func:`margins_for`), unless ``layout`` sets them."""
    heading = text_spec(title) | ({"subtitle": text_spec(subtitle)} if subtitle else {})
    layout = {"title": heading, **layout}
    if "margin" not in layout:
        layout["margin"] = margins_for(traces, layout)
    return {"data": traces, "layout": {"template": LECTURE_TEMPLATE, **layout}}


FONT_PX = 16  # the template's font size
CHAR_PX = 0.55 * FONT_PX  # Arial's average character, about half an em wide
LEGEND_ROW_PX = 400  # the narrowest plot a legend shares a row of (a half-width column); wider ones waste a little space


def _text_px(text) -> float:
    """About how wide a label is drawn, in pixels: from its length, as the server cannot measure it."""
    return len(str(text)) * CHAR_PX


def _title_text(spec) -> str:
    """A title given as ``{"text": ...}`` or as the text itself."""
    return spec.get("text", "") if isinstance(spec, dict) else str(spec or "")


def _colorbar(trace: dict) -> dict | None:
    """The colour bar a trace draws: a heatmap's own (unless a shared colour axis draws it), or its markers'."""
    if trace.get("type") == "heatmap" and trace.get("showscale", True) and "coloraxis" not in trace:
        return trace.get("colorbar", {})
    return trace.get("marker", {}).get("colorbar")


def margins_for(traces: list[dict], layout: dict) -> dict:
    """Margins wide enough for the axes' labels, a colour bar and a legend, estimated from the spec.

    Plotly grows a margin that is too small for its labels (every axis has ``automargin``), but only after drawing the
    chart once, and then draws it again: measured in Chromium, that second pass was half the cost of drawing a chart
    (Train's two charts: 108 → 44 ms; Gradients' six: 256 → 116 ms), on every live refresh. A margin set wide enough
    here is drawn once. An estimate too small costs only that second pass, never a clipped label; one too large, a
    little white space.
    """
    y_axis = layout.get("yaxis", {})
    left = 90.0 if y_axis.get("visible", True) else 20.0
    if y_axis.get("type") == "log" or y_axis.get("exponentformat") == "power":  # losses, gradients: 10⁻⁵, 0.0005
        left = 105.0
    if y_axis.get("ticktext"):  # named rows (the unrolled network's layers): as wide as the longest name
        left = max(left, 40 + max(_text_px(text) for text in y_axis["ticktext"]))
    bars = [layout.get("coloraxis", {}).get("colorbar")] + [_colorbar(trace) for trace in traces]
    right = 30.0
    for bar in (bar for bar in bars if bar is not None):  # the bar and its tick labels, or its title above them when that is wider
        right = max(right, 30 + max(85, _text_px(_title_text(bar.get("title"))) + 20))
    named = [trace.get("name", "") for trace in traces if trace.get("showlegend", trace.get("type") != "heatmap") and trace.get("name")]
    bottom = 60.0 if layout.get("xaxis", {}).get("visible", True) else 20.0
    if named and layout.get("showlegend", len(named) > 1):
        if layout.get("legend", {}).get("orientation", "h") == "v":  # beside the plot
            right = max(right, 70 + max(_text_px(name) for name in named))
        else:  # under the plot, as many rows as the names need
            rows = -(-sum(40 + _text_px(name) for name in named) // LEGEND_ROW_PX)
            bottom = 90 + 20 * rows
    top = 90.0 if layout.get("title", {}).get("subtitle") else 60.0
    return {"l": round(left), "r": round(right), "t": round(top), "b": round(bottom)}


def _short_labels(labels: list[str] | None, steps: int) -> bool:
    """Input labels fit under a time axis when they are few and short (characters, bits), not long numbers."""
    return labels is not None and steps <= 60 and all(len(label) <= 3 for label in labels)


def time_axis(steps: int, labels: list[str] | None) -> dict:
    """The x axis of a per-step chart: the time step, or each step's input under it when the inputs are short."""
    if _short_labels(labels, steps):
        ticks = typed(np.arange(1, steps + 1))
        return {"title": text_spec("input x_t at each step"), "tickvals": ticks, "ticktext": labels, "tickangle": 0}
    return {"title": text_spec("time step t")}
