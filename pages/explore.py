import streamlit as st

from ui.explore_calibration import calibration_section
from ui.explore_data import data_map_section, gallery, overview
from ui.explore_errors import model_errors, robustness_section
from ui.layout import page_frame
from ui.state import active_recognizer_or_stop, mnist_or_stop, model_label, model_picker

page_frame("pages/explore.py")
st.title("Explore MNIST")
mnist_or_stop()  # a clear message, and nothing else, if the dataset cannot be loaded
model_picker()
recognizer = active_recognizer_or_stop()
st.caption(f"70,000 handwritten digits: 60,000 to learn from, 10,000 to test on. "
           f"Model: {model_label(recognizer)}.")


SECTIONS = {"Overview": overview, "Gallery": gallery, "Model errors": model_errors, "Map of the data": data_map_section,
            "Under change": robustness_section, "Calibration": calibration_section}
for tab, draw_section in zip(st.tabs(list(SECTIONS), key="explore_tab", on_change="rerun"), SECTIONS.values()):
    if tab.open:
        with tab:
            draw_section()
