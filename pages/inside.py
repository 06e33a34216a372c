import streamlit as st

from mlcore.robustness import SWEEPS
from ui.canvas import canvas_rgba, digit_canvas, last_drawing
from ui.inside import layers_view, saliency_view, sweep_view
from ui.layout import page_frame
from ui.page_memory import keep_across_pages
from ui.reading import show_verdict
from ui.state import active_recognizer_or_stop, mnist_or_stop, model_label, model_picker
from ui.widgets import probability_chart

page_frame("pages/inside.py")
keep_across_pages(inside_pen=20)
st.title("Inside the network")
model_picker()
recognizer = active_recognizer_or_stop()
st.caption(f"Draw a digit and follow it through the network, layer by layer: what each layer finds, which "
           f"pixels the answer rests on, and what it takes to change the answer. Model: {model_label(recognizer)}.")
stroke_width = st.sidebar.slider("Pen width", 8, 32, key="inside_pen",
                                 help="Draw big: a thick pen on a small digit fills its loops.")

canvas_column, answer_column = st.columns([1, 1], gap="large")
with canvas_column:
    st.markdown("**Your digit**")
    canvas = digit_canvas(stroke_width, key="inside_canvas")
own = canvas_rgba(canvas.image_bytes)  # decoded once per run
drawing = own if own is not None else last_drawing()
reading = None if drawing is None else recognizer.recognize(drawing)
has_digit = reading is not None and not reading.is_blank

with answer_column:
    if not has_digit:
        st.subheader("Draw a digit")
        st.caption("Then see every layer's feature maps, the saliency maps and the robustness lab below.")
    else:
        show_verdict(reading)
        st.vega_lite_chart(probability_chart(reading.probabilities, height=180), width="stretch")
        if own is None:
            st.caption("Your last drawing, from the Draw page. Draw here to look inside a new one.")

TABS = ["Layer by layer", "Why this answer", "Where it breaks"]
layers_tab, why_tab, breaks_tab = st.tabs(TABS, key="inside_tab", on_change="rerun")
if layers_tab.open:
    with layers_tab:
        if has_digit:
            layers_view(recognizer, reading.image)
        else:
            st.info("Draw a digit above to see what every layer makes of it.", icon=":material/draw:")
if why_tab.open:
    with why_tab:
        if has_digit:
            saliency_view(recognizer, reading)
        else:
            st.info("Draw a digit above to see which pixels the answer rests on.", icon=":material/draw:")
if breaks_tab.open:
    with breaks_tab:
        sweep_name = st.segmented_control("Change", list(SWEEPS), default="rotation", key="lab_sweep")
        source_column, _ = st.columns(2)
        sources = ["my drawing", "a test image"] if has_digit else ["a test image"]
        source = source_column.segmented_control("Image", sources, default=sources[0], key="lab_source")
        image = reading.image if source == "my drawing" else None
        if image is None:
            mnist = mnist_or_stop()
            index = source_column.number_input("Test image number", 0, len(mnist.y_test) - 1, 0, key="lab_index")
            image = mnist.x_test[index] / 255.0
            source_column.caption(f"Test image #{index} is labelled {mnist.y_test[index]}.")
        sweep_view(recognizer, image, sweep_name or "rotation")
