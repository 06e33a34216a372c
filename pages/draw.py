import streamlit as st

from mlcore.image_io import UploadError
from mlcore.inference import Recognizer
from ui.canvas import digit_canvas
from ui.reading import STEP_CAPTIONS, read_drawing, read_photo
from ui.state import active_recognizer_or_stop, model_label, model_picker
from ui.widgets import enlarge, probability_chart

st.title("✏️ Draw a digit, watch the network read it")
model_picker()
recognizer = active_recognizer_or_stop()
st.caption(f"Draw one digit, 0 to 9, big and in the middle of the black square. "
           f"The network reads it as you draw. Model: {model_label(recognizer)}.")

stroke_width = st.sidebar.slider("Pen width", 8, 32, 20, help="Draw big: a thick pen on a small digit fills its loops.")


def show_reading(reading) -> None:
    """The Prediction, its confidence and all ten probabilities, or an invitation to draw."""
    if reading is None or reading.is_blank:
        st.subheader("Draw a digit")
        if reading is not None and reading.trace.blank_reason:
            st.caption(reading.trace.blank_reason)
        return
    st.metric("Prediction", reading.digit)
    st.markdown(f"Confidence: **{reading.confidence:.1%}**")
    if reading.is_unsure:
        runner_up = int(reading.probabilities.argsort()[-2])
        st.info(f"Not sure: it could also be a {runner_up}. Try drawing it bigger or more clearly.")
    st.vega_lite_chart(probability_chart(reading.probabilities), width="stretch")


def show_photo(picture, recognizer: Recognizer) -> None:
    st.subheader("Your photo")
    try:
        photo_reading = read_photo(picture.file_id, picture.getvalue(), recognizer)
    except UploadError as error:
        st.error(str(error))
        return
    photo_col, answer_col = st.columns([1, 3])
    photo_col.image(picture.getvalue(), width=140)
    if photo_reading.is_blank:
        answer_col.warning(f"No digit found in the photo. {photo_reading.trace.blank_reason}")
    else:
        answer_col.metric("The photo reads as", photo_reading.digit, help=f"Confidence {photo_reading.confidence:.1%}")
        answer_col.image(enlarge(photo_reading.image, 84), caption="what the network saw")


def show_steps(step_pngs: tuple[bytes, ...]) -> None:
    st.subheader("What the network sees")
    st.caption("The drawing is made to look like MNIST, the way MNIST itself was made: cropped to "
               "the ink, scaled so its longer side is 20 pixels, placed in a 28×28 square and "
               "shifted so its centre of mass is in the middle.")
    for column, png, caption in zip(st.columns(len(STEP_CAPTIONS)), step_pngs, STEP_CAPTIONS):
        column.image(png, caption=caption, width=130)


@st.fragment
def draw_and_read(recognizer: Recognizer, stroke_width: int) -> None:
    """The canvas and everything read from it: a stroke reruns only this fragment, not the page."""
    canvas_column, result_column = st.columns([1, 1], gap="large")
    with canvas_column:
        st.markdown("**Your digit**")
        canvas = digit_canvas(stroke_width, key="draw_canvas")
    drawing = read_drawing(canvas.image_bytes, recognizer)
    reading = None if drawing is None else drawing.reading
    with result_column:
        show_reading(reading)
    with canvas_column:
        picture = st.file_uploader("…or read a photo of a digit", type=["png", "jpg", "jpeg", "bmp", "gif", "webp"],
                                   help="One dark digit on a light background, or the other way round.")
        st.download_button("Download the drawing (PNG)", data=canvas.image_bytes or b"", file_name="digit.png",
                           mime="image/png", disabled=reading is None or reading.is_blank)
    if picture is not None:
        show_photo(picture, recognizer)
    if reading is not None and not reading.is_blank:
        show_steps(drawing.step_pngs)


draw_and_read(recognizer, stroke_width)
