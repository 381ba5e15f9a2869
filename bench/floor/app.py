"""The floor the app's latency is measured against (`python -m bench`): the least a Streamlit page with torch and a
Plotly chart can cost. Two pages, a sidebar slider, one Plotly heatmap per page, ``import torch`` at the top, served
and opened the same way as the app in the same run."""

import plotly.graph_objects as go
import streamlit as st
import torch


def heatmap_page(title: str, seed: int) -> None:
    st.title(title)
    rows = st.session_state.get("rows", 32)
    values = torch.randn(rows, 40, generator=torch.Generator().manual_seed(seed))  # (rows, 40)
    st.plotly_chart(go.Figure(go.Heatmap(z=values.numpy())), width="stretch")
    st.caption(f"{rows} rows of 40")


def first() -> None:
    heatmap_page("First", 0)


def second() -> None:
    heatmap_page("Second", 1)


pages = [st.Page(first, title="First"), st.Page(second, title="Second")]
with st.sidebar:
    st.slider("Rows", 8, 64, 32, key="rows")
st.navigation(pages).run()
