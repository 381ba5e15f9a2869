"""The app's side of the project: Streamlit helpers the pages share (session state, the sidebar, charts), and the
app's own knowledge in plain Python that imports no Streamlit (``presets``: the ready-made experiments and their
pages; ``link_params``: a configuration as a link). rnn_core never imports this.

Inside a server this package settles one Streamlit quirk, here and nowhere else: a server whose first session opens a
page by its own URL (a shared link to /gradients) runs that page through Streamlit's legacy ``pages/`` path, without
``app.py`` and its sidebar, until ``st.navigation`` has run once. So the first import turns that path off, as
``st.navigation`` would, and starts the run again through ``app.py``. A plain import (a test of ``ui.presets``) has no
Streamlit loaded and loads none.
"""

import sys

if "streamlit" in sys.modules:  # a page's import, in a server or AppTest: Streamlit runs the script
    import streamlit as st
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory is True:  # None outside a server, False once st.navigation has run
        PagesManager.uses_pages_directory = False
        st.rerun()
