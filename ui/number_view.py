"""Showing a number read from a drawing or a photo: the number, the boxes, each digit."""

from __future__ import annotations

from dataclasses import replace

import cv2
import streamlit as st

from mlcore.inference import a_digit
from mlcore.numbers import DigitReading, NumberReading, boxes_picture, ordinal, percent
from mlcore.preprocess import INK_THRESHOLD
from ui.widgets import enlarge

TILE_SIDE = 72
"""Each digit's 28x28 image is shown this many px wide: four fit in a row on a 390 px phone (84 px fitted three)."""
EMPTY_CANVAS = ":material/edit: The canvas is empty: write a few digits side by side."
ONLY_SPECKS = (":material/edit: Only a dot or a speck so far, too small to be a digit: write digits about half "
               "as tall as the canvas, side by side.")
PHOTO_BOXES_WIDTH = 640
"""At most this wide (px), a photo's boxed digits; a canvas's fill the column like the canvas."""


def _signs_caption(reading: NumberReading) -> str:
    signs = [name for name, box in (("decimal point", reading.point_box), ("minus sign", reading.minus_box)) if box]
    return f"; the {' and the '.join(signs)} {'is' if len(signs) == 1 else 'are'} ringed in blue" if signs else ""


BOX_MEANINGS = {"green": "green boxes are read with confidence", "amber": "amber boxes are unsure or guesses",
                "red": "red boxes are the marks named above"}


def _boxes_caption(reading: NumberReading) -> str:
    """What the colours of the boxes on the picture mean, for the colours it shows."""
    shown = {reading.colour(digit) for digit in reading.digits}
    return ("Where the digits are: " + ", ".join(text for colour, text in BOX_MEANINGS.items() if colour in shown)
            + _signs_caption(reading))


def _tile_caption(reading: NumberReading, digit: DigitReading) -> str:
    """Under a digit's 28x28 image: its box's label (`NumberReading.label`), said in words."""
    if reading.names(digit):
        return "? · like no digit"
    return f"{reading.label(digit)} · a guess" if reading.is_guess(digit) else f"{digit.digit} · {percent(digit.confidence)}"


def _why_unsure(digit: DigitReading) -> str:
    """Why a digit is unsure, for the page's "Not sure about" line: "the 7 (62%; it could also be a 1)",
    or for a piece cut out of touching ink, "the 7 (3%: cut out of strokes it touches, it may be part of
    a digit or another digit)"."""
    if digit.may_be_a_part:
        return (f"the {digit.digit} ({percent(digit.confidence)}: cut out of strokes it touches, it may be part "
                "of a digit or another digit)")
    if digit.may_be_two:
        return f"the {digit.digit} ({percent(digit.confidence)}: it may be two digits written over each other)"
    return f"the {digit.digit} ({percent(digit.confidence)}; it could also be {a_digit(digit.recognition.runner_up)})"


def show_number(reading: NumberReading | None, label: str, photo: bool = False) -> None:
    """The number (or why there is none), the drawing with each digit's box, and each 28x28 digit;
    for a `photo`, the cleaned ink cut down to the number. A decimal point and minus sign are ringed."""
    if reading is None or reading.is_blank:
        st.caption(EMPTY_CANVAS if reading is None or not (reading.ink > INK_THRESHOLD).any() else ONLY_SPECKS)
        return
    strange = [(place, d) for place, d in enumerate(reading.digits, 1) if reading.is_guess(d)]
    if reading.problem:
        st.error(reading.problem, icon=":material/help:" if reading.problem.startswith("I don't know")
                 else ":material/call_split:")
    elif len(strange) == len(reading.digits):
        st.warning("I don't know: nothing here looks like a digit the network has learnt. Write digits 0 to 9 "
                   "side by side, with a little space between them: digits that touch can look like no digit.",
                   icon=":material/help:")
    else:
        st.metric(label, reading.shown_text, help="Each digit is read on its own; the confidence below is the "
                                                  "chance that all of them are right. A ? is a mark like no digit.")
        count = f"{len(reading.digits)} digit{'s' if len(reading.digits) != 1 else ''}"
        guesses = f"{len(strange)} of them {'is a guess' if len(strange) == 1 else 'are guesses'}"
        st.markdown(f"{count} · confidence in the whole number **{percent(reading.confidence, 1)}**" if not strange
                    else f"{count} · **{guesses}**, so no confidence is given")
        unsure = [d for d in reading.digits if d.recognition.is_one_digit and d.is_unsure]
        if unsure:
            st.info("Not sure about " + ", ".join(_why_unsure(d) for d in unsure)
                    + ". Try writing it bigger or more clearly, with a little space around it.", icon=":material/help:")
        if strange:
            st.warning(" ".join(f"The {ordinal(place)} mark from the left doesn't look like one digit (the "
                                f"network's nearest guess is {d.digit})." for place, d in strange)
                       + (" Its digit in the number above is a guess." if len(strange) == 1
                          else " Their digits in the number above are guesses."), icon=":material/help:")
    caption = _boxes_caption(reading) if reading.digits else "Boxed in red: the marks named above"
    if not reading.problem and len(strange) == len(reading.digits):  # no digit's label on what is no digit
        reading, caption = replace(reading, digits=[]), "What was read, cleaned: none of it looks like a digit"
    picture = boxes_picture(reading, crop=photo)
    # A photo's band, stretched, filled the screen: it is shown at its own width (at most PHOTO_BOXES_WIDTH,
    # or its caption's) with "content", which also keeps it inside a phone's screen (a width in pixels ran
    # off its right edge at 390 px).
    if photo and picture.shape[1] > PHOTO_BOXES_WIDTH:
        picture = cv2.resize(picture, (PHOTO_BOXES_WIDTH, round(picture.shape[0] * PHOTO_BOXES_WIDTH / picture.shape[1])),
                             interpolation=cv2.INTER_AREA)
    st.image(picture, caption=caption, width="content" if photo else "stretch")
    if reading.digits:
        st.caption("What the network saw, digit by digit: each digit shrunk to 28×28 pixels and centred, as on "
                   "the Draw page")
        # A row that wraps (st.columns stack one per row on a phone: a 6-digit number took six screens)
        tiles = st.container(horizontal=True, gap="small")
        for digit in reading.digits:
            tiles.image(enlarge(digit.recognition.image, TILE_SIDE), width=TILE_SIDE, caption=_tile_caption(reading, digit))
