"""AppTest set-up shared by the page tests.

AppTest re-detects our ``pages/`` folder before every run and, finding it, takes
Streamlit's legacy multipage path on every rerun, which skips ``app.py``. The real
server turns that path off as soon as ``st.navigation`` runs; this fixture applies
the same rule, so reruns in tests go through ``app.py`` as they do for users.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from scripts.app_test import navigation_rule
from ui.first_paint import EARLY_SPEC

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(autouse=True)
def apply_navigation_rule():
    with navigation_rule():
        yield


@pytest.fixture
def app() -> AppTest:
    """The app after its first run, on the default page."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def plotly_figures(at: AppTest) -> list[dict]:
    """The charts a user sees: not the hidden one a session's first run sends its browser (ui/first_paint.py)."""
    figures = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    return [f for f in figures if f != EARLY_SPEC]


def decode(array) -> np.ndarray:
    """Plotly 7 writes numeric arrays as {"dtype", "bdata"}: turn them back into numpy."""
    if isinstance(array, dict) and "bdata" in array:
        values = np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
        if "shape" in array:  # a string such as "8, 40"
            return values.reshape([int(n) for n in str(array["shape"]).split(",")])
        return values
    return np.asarray(array)


def choose_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Open one of a page's tabs (ui.controls.open_tab, under session key ``key``), as a click would: a rerun in which
    only that tab is drawn."""
    at.session_state[key] = label
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at
