"""The app's pages, in the order the sidebar lists them: plain data that app.py builds its navigation from and that
tests, presets and scripts read, so that no second list can drift."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    path: str  # the script, from the project's root
    title: str  # as the sidebar shows it
    group: str  # the sidebar's heading above it
    charts: bool = True  # False: tables and numbers only (Compare runs until a run is kept)


PAGES = (
    Page("pages/train.py", "Train", "Explore"),  # the default page
    Page("pages/hidden_states.py", "Hidden states", "Explore"),
    Page("pages/loss_over_time.py", "Loss over time", "Explore"),
    Page("pages/gradients.py", "Gradients", "Explore"),
    Page("pages/gates.py", "Gates", "Explore"),
    Page("pages/compare.py", "Compare runs", "Explore", charts=False),
    Page("pages/worked_example.py", "Worked example", "Lessons", charts=False),
    Page("pages/shapes.py", "Shapes and parameters", "Lessons", charts=False),
    Page("pages/rnn_by_hand.py", "nn.RNN by hand", "Lessons", charts=False),
    Page("pages/hello.py", "The hello model", "Lessons", charts=False),
    Page("pages/stacked.py", "Stacked and bidirectional", "Lessons"),
    Page("pages/modes.py", "Inputs and outputs", "Lessons"),
    Page("pages/vanishing_demo.py", "Vanishing by hand", "Lessons"),
    Page("pages/inside_a_layer.py", "Inside a layer", "Lessons"),
    Page("pages/windowing.py", "Windowing or recurrence", "Lessons"),
    Page("pages/truncation.py", "Truncated BPTT", "Lessons"),
    Page("pages/parallel.py", "Parallel or step by step", "Lessons"),
    Page("pages/errata.py", "Errata in the notes", "Lessons", charts=False),
)
PAGE_PATHS = tuple(p.path for p in PAGES)
