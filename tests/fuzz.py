"""Hypothesis strategies for hostile input, shared by the pure fuzz tests and the AppTest fuzz.

Every strategy mixes what a real user sends (valid choices, values the sliders offer) with what a
crafted link or file can hold (out-of-range numbers, garbage, empty, huge, the wrong type), so that
shrinking lands on the smallest input that still breaks something, and the failure message prints it.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from rnn_core.config import CELLS, ENCODINGS, INITS, OPTIMIZERS, TASK_NAMES, TEXT_SOURCES
from ui.link_params import FIELDS

# Fixed seed, no example database: the same cases on every machine and in CI, and a failure that reproduces.
FUZZ = settings(derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CHOICES = {"task": TASK_NAMES, "text_source": TEXT_SOURCES, "cell": CELLS, "init": INITS, "encoding": ENCODINGS, "optimizer": OPTIMIZERS}
EDGE_TEXTS = ["", " ", "0", "-0", "1", "-1", "1.5", "1e3", "1e-320", "nan", "inf", "-inf", "true", "on", "0x10", "٣", "\x00", "💥"]
EDGE_TEXTS += ["9" * 5000]  # past Python's 4,300-digit limit for int()


def _number_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(-(10**6), 10**6).map(str),
        st.integers().map(str),  # now and then far past any limit
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.floats(0, 1000).map(lambda v: f"{v:g}"),
    )


def _usual_number(kind: type) -> st.SearchStrategy[str]:
    """Numbers such as a slider or a real link holds: small, mostly in range."""
    if kind is int:
        return st.integers(0, 300).map(str)
    return st.sampled_from(["0", "0.0001", "0.003", "0.05", "0.5", "1", "2", "3", "10", "20", "100"])


def link_value(name: str) -> st.SearchStrategy[str]:
    """Text for the link parameter ``name``: most often a value a user could mean (a valid choice, a usual number),
    then any number, an edge case, or garbage."""
    kind = FIELDS[name][2] if name in FIELDS else int
    if name in CHOICES:
        meant = st.sampled_from(CHOICES[name])
    elif kind is bool:
        meant = st.sampled_from(["0", "1"])
    else:
        meant = _usual_number(kind)
    kinds = [meant] * 6 + [_number_text(), st.sampled_from(EDGE_TEXTS), st.text(max_size=12)]
    return st.integers(0, len(kinds) - 1).flatmap(lambda i: kinds[i])


PARAMETER_NAMES = [*FIELDS, "seed", "steps", "present"]


@st.composite
def links(draw, max_size: int = 8) -> dict[str, str]:
    """A link's query parameters: a random mix of every setting, now and then one that is no setting at all."""
    names = draw(st.lists(st.sampled_from(PARAMETER_NAMES), max_size=max_size, unique=True))
    params = {name: draw(link_value(name)) for name in names}
    if draw(st.integers(0, 9)) == 0:
        params[draw(st.text(min_size=1, max_size=8))] = draw(st.text(max_size=8))
    return params


def json_values() -> st.SearchStrategy:
    """Anything a JSON-like configuration dict in a crafted file could hold."""
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10))

    def nested(inner):
        return st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)

    return st.recursive(scalars, nested, max_leaves=6)
