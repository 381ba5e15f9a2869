"""Streamlit helpers that several pages share. Pages hold pages only; rnn_core never sees Streamlit."""
