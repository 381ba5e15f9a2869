"""AppTest with the real server's multipage rule, for the page tests and the benchmark.

AppTest re-detects our ``pages/`` folder before every run and, finding it, takes Streamlit's
legacy multipage path on every rerun, which skips ``app.py``. The real server turns that path off
as soon as ``st.navigation`` runs; inside ``navigation_rule()`` AppTest does the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from streamlit.runtime.pages_manager import PagesManager


@contextmanager
def navigation_rule() -> Iterator[None]:
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False  # what st.navigation does on the real server

    PagesManager.__init__ = init
    try:
        yield
    finally:
        PagesManager.__init__ = original
