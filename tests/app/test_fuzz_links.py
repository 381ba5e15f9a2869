"""Crafted links through the whole app: any mix of parameters opens any page, and a Step trains, with at most a notice.

A shared link is public input. Each case opens a new session from a random link (tests/fuzz.py), switches to a
random page and presses Step, as a student would; the page must show no exception at any point. The server's limits
are lowered for this test so that every Step stays quick and the limits' fallback is hit often; the pure fuzz in
tests/test_fuzz_inputs.py checks hundreds of links against the shipped limits.
"""

from __future__ import annotations

from unittest.mock import patch

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP
from tests.fuzz import FUZZ, links
from ui import settings as app_settings
from ui.pages import PAGE_PATHS
from ui.settings import Limits

PAGES = sorted(PAGE_PATHS)
SMALL_SERVER = Limits(hidden_size=64, layers=3, seq_len=60, batch_size=64, step_cost=3e7)


def messages(at: AppTest) -> list[str]:
    return [e.message for e in at.exception]


@settings(FUZZ, max_examples=10, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(links(max_size=6), st.sampled_from(PAGES))
@example({"text_source": "custom"}, "pages/train.py")  # a traceback on every page before the fix
@example({"task": "adding", "text_source": "custom", "bidirectional": "1"}, "pages/hidden_states.py")
@example({"cell": "mlp", "task": "parity", "bidirectional": "1"}, "pages/gradients.py")
@example({"cell": "rnn_relu", "init": "constant", "init_value": "10", "task": "copy"}, "pages/gates.py")
def test_any_link_opens_any_page_and_trains_a_step(params, page):
    with patch.object(app_settings, "LIMITS", SMALL_SERVER):
        at = AppTest.from_file(APP, default_timeout=60)
        at.query_params.update(params)
        at.run()
        assert not at.exception, messages(at)
        at.switch_page(page).run()
        assert not at.exception, messages(at)
        exp = at.session_state["experiment"]
        before = exp.trainer.step
        at.sidebar.button(key="step").click().run()
        assert not at.exception, messages(at)
        assert at.sidebar.markdown[0].value == "## RNN Explorer"  # the whole app, not a bare page
        stopped = exp.trainer.diverged is not None or exp.at_step_limit
        assert exp.trainer.step == before + 10 or stopped
        if stopped and exp.trainer.diverged is not None:
            assert any(e.value.startswith("Training stopped at step") for e in at.error)
