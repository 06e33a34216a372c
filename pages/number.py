import cv2
import streamlit as st

from mlcore.image_io import MAX_MEGABYTES, UploadError
from mlcore.numbers import read_number
from mlcore.pen_taps import pen_taps
from ui.canvas import canvas_rgba, digit_canvas
from ui.layout import on_a_phone, page_frame, room_on_screen
from ui.number_view import show_number
from ui.page_memory import keep_across_pages
from ui.photo import show_photo_problem
from ui.reading import read_number_photo
from ui.state import active_recognizer_or_stop, model_label, model_picker

CANVAS_SIZES = {"Wide": (700, 250), "Narrow (phones)": (340, 170)}
NARROW = "Narrow (phones)"
INKED = "number_strip_with_ink"  # the size of the strip that had ink at the end of the last run, or None
CHOSEN = "number_strip_chosen"  # the size last chosen with the Canvas radio (Wide until then)
PHOTO_WIDTH = 700
SCROLLBAR = 16  # px a desktop browser's vertical scrollbar may take from the room on screen
# The pen's starting width (px) on the Wide canvas and on a phone's Narrow one, whose digits are about
# two thirds as tall: at 16 px, slim digits written there filled their loops in and read as 1s.
PENS = {False: 16, True: 11}


def choose_strip() -> None:
    """The student chose a strip with the radio: it is theirs until they choose again."""
    st.session_state[CHOSEN] = st.session_state["number_canvas_size"]
    st.session_state.pop(INKED, None)


page_frame("pages/number.py")
phone = on_a_phone()
keep_across_pages(number_pen=PENS[phone])
# The room on screen is reported right after the page's first run, before the browser has kept the pen
# slider's value from that run: that rerun showed the slider's minimum (8 px, in 5 of 6 new sessions)
# and drew with it from the second stroke on. The value is handed to the browser on every run.
st.session_state["number_pen"] = st.session_state["number_pen"]
st.title("Write a number, watch it read")
model_picker()
recognizer = active_recognizer_or_stop()
st.caption("Write a number (a year, your age, a phone code) across the black strip, one digit next to "
           "the other with a little space between. Each digit is found, boxed and read on its own; a minus sign "
           "in front and a decimal point are read too, with a little space around them. "
           f"Model: {model_label(recognizer)}.")

stroke_width = st.sidebar.slider("Pen width", 8, 32, key="number_pen",
                                 help="Thinner than on the Draw page: the digits are smaller here.")
# Wide runs off a phone's screen, upright or sideways beside the menu, and digits written past its edge
# were lost; a phone that asks for desktop pages (no "Mobi") is known by the room on its screen.
room = room_on_screen()  # less a scrollbar's width (window.innerWidth counts it)
wide_fits = not phone and (room is None or room >= CANVAS_SIZES["Wide"][0] + SCROLLBAR)
# Each size is its own canvas: the strip holding the student's ink keeps its size when the window
# narrows or the menu opens, so a number is never wiped without a word.
inked = st.session_state.get(INKED)
if wide_fits:
    st.session_state["number_canvas_size"] = inked or st.session_state.get(CHOSEN, "Wide")
    size = st.radio("Canvas", list(CANVAS_SIZES), key="number_canvas_size", horizontal=True, on_change=choose_strip,
                    help="Narrow fits a phone's screen. Each strip has its own drawing: switching clears it.")
else:
    size = inked or NARROW
    if size != NARROW:
        st.caption("The strip stays wide while your number is on it, so nothing is lost: scroll it sideways "
                   "to see all of it, or clear it (the bin above it) for a strip that fits your screen.")
width, height = CANVAS_SIZES[size]

canvas = digit_canvas(stroke_width, key=f"number_canvas_{width}", width=width, height=height)
drawing = canvas_rgba(canvas.image_bytes)  # decoded once per run
taps = [] if drawing is None else pen_taps(canvas.json_data, scale=drawing.shape[1] / width)  # dots put down on purpose
show_number(None if drawing is None else read_number(recognizer, drawing, taps), "The number reads")
ink_now = size if drawing is not None and drawing[..., :3].any() else None
if st.session_state.get(INKED) != ink_now:
    st.session_state[INKED] = ink_now
    if ink_now is None and size != (st.session_state.get(CHOSEN, "Wide") if wide_fits else NARROW):
        st.rerun()  # the strip held for its ink was cleared: draw the one that fits, or the student's

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
