"""RNN Explorer: the entry point. `streamlit run app.py`.

Sets the page up and hands navigation to st.navigation; every view lives in pages/.
"""

import streamlit as st

st.set_page_config(page_title="RNN Explorer", page_icon="🔁", layout="wide")

with st.sidebar:
    st.markdown("## RNN Explorer")
    st.caption("Build, train and look inside recurrent neural networks.")

navigation = st.navigation(
    [
        st.Page("pages/inside_a_layer.py", title="Inside a layer", icon="🔬", default=True),
    ]
)
navigation.run()
