"""Handwritten digits: the Draw page, the app's entry point and first page.

The other pages are the files in pages/ (Streamlit's classic multipage mode; see ui/layout.py).
"""

import streamlit as st

from mlcore.image_io import MAX_MEGABYTES
from mlcore.inference import Recognizer
from ui.canvas import digit_canvas
from ui.labelling import label_buttons
from ui.layout import page_frame
from ui.page_memory import keep_across_pages
from ui.photo import show_photo_reading
from ui.reading import STEP_CAPTIONS, read_drawing, show_verdict
from ui.state import active_recognizer_or_stop, model_label, model_picker
from ui.widgets import probability_chart

page_frame("streamlit_app.py")
keep_across_pages(draw_pen=20)
st.title("Draw a digit, watch it read")
model_picker()
recognizer = active_recognizer_or_stop()
st.caption(f"Draw one digit, 0 to 9, big and in the middle of the black square. "
           f"The network reads it as you draw. Model: {model_label(recognizer)}.")

stroke_width = st.sidebar.slider("Pen width", 8, 32, key="draw_pen", help="Draw big: a thick pen on a small digit fills its loops.")


def show_reading(reading, canvas) -> None:
    """The Prediction, its confidence, the labelling buttons and all ten probabilities, or an invitation to draw."""
    if reading is None or reading.is_blank:
        st.subheader("Draw a digit")
        if reading is not None and reading.trace.blank_reason:
            st.caption(reading.trace.blank_reason)
        return
    st.markdown("**Your drawing reads**")
    show_verdict(reading)
    if not reading.is_one_digit:
        st.vega_lite_chart(probability_chart(reading.probabilities), width="stretch")
        label_buttons(reading, canvas)
        return
    label_buttons(reading, canvas)
    st.vega_lite_chart(probability_chart(reading.probabilities), width="stretch")


def show_steps(step_pngs: tuple[bytes, ...]) -> None:
    st.subheader("What the network sees in your drawing", divider="gray")
    st.caption("The drawing is made to look like MNIST, the way MNIST itself was made: cropped to "
               "the ink, scaled so its longer side is 20 pixels, placed in a 28×28 square and "
               "shifted so its centre of mass is in the middle.")
    for column, png, caption in zip(st.columns(len(STEP_CAPTIONS)), step_pngs, STEP_CAPTIONS):
        column.image(png, caption=caption, width=130)


@st.fragment
def draw_and_read(recognizer: Recognizer, stroke_width: int) -> None:
    """The canvas and everything read from it: a stroke reruns only this fragment, not the page.

    Two rows of columns, so that on a phone (where columns stack) the Prediction comes right under
    the canvas: canvas, Prediction; then the download and the photo upload.
    """
    canvas_column, result_column = st.columns([1, 1], gap="medium")
    with canvas_column:
        st.markdown("**Your drawing**")
        canvas = digit_canvas(stroke_width, key="draw_canvas")
    drawing = read_drawing(canvas.image_bytes, recognizer)
    reading = None if drawing is None else drawing.reading
    with result_column:
        show_reading(reading, canvas)
    files_column, _ = st.columns([1, 1], gap="medium")
    with files_column:
        st.download_button("Download the drawing (PNG)", icon=":material/download:", data=canvas.image_bytes or b"",
                           file_name="digit.png", mime="image/png", on_click="ignore",
                           disabled=reading is None or reading.is_blank)
        picture = st.file_uploader("…or read a photo of a digit", type=["png", "jpg", "jpeg", "bmp", "gif", "webp"],
                                   max_upload_size=MAX_MEGABYTES,
                                   help="One dark digit on a light background, or the other way round.")
    if picture is not None:
        show_photo_reading(recognizer, picture)
    if reading is not None and not reading.is_blank:
        show_steps(drawing.step_pngs)


draw_and_read(recognizer, stroke_width)
