import cv2
import streamlit as st

from mlcore.image_io import MAX_MEGABYTES, UploadError
from mlcore.numbers import read_number
from mlcore.pen_taps import pen_strokes, pen_taps
from ui.canvas import canvas_rgba, digit_canvas
from ui.layout import on_a_phone, page_frame, room_on_screen
from ui.number_strip import CANVAS_SIZES, canvas_key, strip_size, wide_fits
from ui.number_view import show_number
from ui.page_memory import keep_across_pages
from ui.photo import show_photo_problem
from ui.reading import read_number_photo
from ui.state import active_recognizer_or_stop, model_label, model_picker

PHOTO_WIDTH = 700
# The pen's starting width (px) on the Wide canvas and on a phone's Narrow one, whose digits are about
# two thirds as tall: at 16 px, slim digits written there filled their loops in and read as 1s.
PENS = {False: 16, True: 11}

page_frame("pages/number.py")
phone = on_a_phone()
keep_across_pages(number_pen=PENS[phone])
st.title("Write a number, watch it read")
model_picker()
recognizer = active_recognizer_or_stop()
st.caption("Write a number (a year, your age, a phone code) across the black strip, one digit next to "
           "the other with a little space between. Each digit is found, boxed and read on its own; a minus sign "
           "in front and a decimal point are read too, with a little space around them. "
           f"Model: {model_label(recognizer)}.")

stroke_width = st.sidebar.slider("Pen width", 8, 32, key="number_pen",
                                 help="Thinner than on the Draw page: the digits are smaller here.")
fits = wide_fits(phone, room_on_screen())  # Wide only where it fits the screen
size = strip_size(fits)
width, height = CANVAS_SIZES[size]

canvas = digit_canvas(stroke_width, key=canvas_key(size), width=width, height=height)
drawing = canvas_rgba(canvas.image_bytes)  # decoded once per run
if drawing is None:
    show_number(None, "The number reads")
else:
    scale = drawing.shape[1] / width  # the drawing's pixels per CSS pixel
    taps = pen_taps(canvas.json_data, scale)  # dots put down on purpose
    strokes = pen_strokes(canvas.json_data, drawing.shape[:2], scale)  # crossed digits are two sets of strokes
    show_number(read_number(recognizer, drawing, taps, strokes), "The number reads")

st.divider()
picture = st.file_uploader("…or read a photo of a written number", type=["png", "jpg", "jpeg", "bmp", "gif", "webp"],
                           max_upload_size=MAX_MEGABYTES,
                           help="Dark digits on light paper, or the other way round, side by side.")
if picture is not None:
    st.subheader("Your photo", divider="gray")
    st.caption(f"Reading **{picture.name}**.")
    try:
        read = read_number_photo(picture.file_id, picture.getvalue(), recognizer, PHOTO_WIDTH)
    except UploadError as error:
        st.error(str(error), icon=":material/broken_image:")
    else:
        grey, photo, number = read.grey, read.photo, read.number
        scale = min(1.0, 640 / max(grey.shape))  # a 24 MP photo is not sent to the browser whole
        st.image(cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA),
                 caption="your photo, in grey", width=320)
        if photo.sheet is not None:
            st.caption("The sheet of paper was found in the photo and straightened; its writing is read.")
        if photo.problem:
            show_photo_problem(photo.problem)
        elif number.is_blank:
            st.warning("No digits found in the photo: it looks blank. Are the digits in the picture, and dark "
                       "enough against the paper?", icon=":material/search_off:")
        else:
            show_number(number, "The photo reads", photo=True)
