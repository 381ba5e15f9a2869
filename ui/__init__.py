"""Streamlit helpers the pages share (session state, the sidebar, charts); rnn_core never imports this.

Importing it first in a server process also settles one Streamlit quirk: a server whose first session opens a page
by its own URL (a shared link to /gradients) runs that page through Streamlit's legacy ``pages/`` path, without
``app.py`` and its sidebar, until ``st.navigation`` has run once. So the first import turns that path off, as
``st.navigation`` would, and starts the run again through ``app.py``.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

if PagesManager.uses_pages_directory is True:  # None outside a server, False once st.navigation has run
    PagesManager.uses_pages_directory = False
    st.rerun()
