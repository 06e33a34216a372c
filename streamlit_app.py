"""Handwritten digits: the app's entry point and navigation.

The pages live in pages/, not pages/: a folder called pages/ next to this script switches
Streamlit into its legacy multipage mode until st.navigation has run once, which breaks deep
links (say /explore) on a freshly started server.
"""

import streamlit as st

st.set_page_config(page_title="Handwritten digits", page_icon="✏️", layout="wide")

pages = [
    st.Page("pages/draw.py", title="Draw", icon="✏️", default=True),
    st.Page("pages/number.py", title="Write a number", icon=":material/pin:"),
    st.Page("pages/explore.py", title="Explore MNIST", icon="🔎"),
    st.Page("pages/train.py", title="Train", icon="🏋️"),
]
st.navigation(pages).run()
