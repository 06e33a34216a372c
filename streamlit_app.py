import streamlit as st

st.set_page_config(page_title="Handwritten digits", page_icon="✏️", layout="wide")

pages = [
    st.Page("pages/draw.py", title="Draw", icon="✏️", default=True),
]
st.navigation(pages).run()
