import streamlit as st

from mlcore.image_io import UploadError, decode_picture, photo_to_canvas
from ui.canvas import digit_canvas
from ui.state import active_recognizer_or_stop, model_label, model_picker
from ui.widgets import enlarge, probability_chart

st.title("✏️ Draw a digit, watch the network read it")
model_picker()
recognizer = active_recognizer_or_stop()
st.caption(f"Draw one digit, 0 to 9, big and in the middle of the black square. "
           f"The network reads it as you draw. Model: {model_label(recognizer)}.")

stroke_width = st.sidebar.slider("Pen width", 8, 32, 20, help="Draw big: a thick pen on a small digit fills its loops.")

canvas_column, result_column = st.columns([1, 1], gap="large")
with canvas_column:
    st.markdown("**Your digit**")
    canvas = digit_canvas(stroke_width, key="draw_canvas")

reading = None if canvas.image_data is None else recognizer.recognize(canvas.image_data)

with result_column:
    if reading is None or reading.is_blank:
        st.subheader("Draw a digit")
        if reading is not None and reading.trace.blank_reason:
            st.caption(reading.trace.blank_reason)
    elif not reading.is_one_digit:
        st.subheader("I don't know")
        st.warning(reading.reason, icon=":material/help:")
        st.caption("What the network would have guessed anyway (calibrated probabilities):")
        st.altair_chart(probability_chart(reading.probabilities), width="stretch")
    else:
        st.metric("Prediction", reading.digit)
        st.markdown(f"Confidence: **{reading.confidence:.1%}**")
        if reading.is_unsure:
            st.info(reading.reason)
        st.altair_chart(probability_chart(reading.probabilities), width="stretch")

with canvas_column:
    picture = st.file_uploader("…or read a photo of a digit", type=["png", "jpg", "jpeg", "bmp", "gif", "webp"],
                               help="One dark digit on a light background, or the other way round.")
    st.download_button(
        "Download the drawing (PNG)",
        data=canvas.image_bytes or b"",
        file_name="digit.png",
        mime="image/png",
        disabled=reading is None or reading.is_blank,
    )

if picture is not None:
    st.subheader("Your photo")
    try:
        photo_reading = recognizer.recognize(photo_to_canvas(decode_picture(picture.getvalue())))
    except UploadError as error:
        st.error(str(error))
    else:
        photo_col, answer_col = st.columns([1, 3])
        photo_col.image(picture.getvalue(), width=140)
        if photo_reading.is_blank:
            answer_col.warning(f"No digit found in the photo. {photo_reading.trace.blank_reason}")
        elif not photo_reading.is_one_digit:
            answer_col.warning(f"I don't know. {photo_reading.reason}", icon=":material/help:")
        else:
            answer_col.metric("The photo reads as", photo_reading.digit,
                              help=f"Confidence {photo_reading.confidence:.1%}")
            answer_col.image(enlarge(photo_reading.image, 84), caption="what the network saw")

if reading is not None and not reading.is_blank:
    st.subheader("What the network sees")
    st.caption("The drawing is made to look like MNIST, the way MNIST itself was made: cropped to "
               "the ink, scaled so its longer side is 20 pixels, placed in a 28×28 square and "
               "shifted so its centre of mass is in the middle.")
    steps = reading.trace
    images = [steps.ink, steps.cropped, steps.scaled, steps.boxed, reading.image]
    captions = ["your drawing", "cropped to the ink", "scaled to 20 px", "pasted in 28×28",
                "centred: the model's input"]
    for column, image, caption in zip(st.columns(len(images)), images, captions):
        column.image(enlarge(image), caption=caption, width=130)
