"""A written number's minus sign and decimal point, drawn on the number canvas with canvas-style
digits and the real model: "-7", "3.5", "-12.5"; what is not a sign stays out of the number."""

import cv2
import numpy as np
import pytest

from mlcore.number_samples import HEIGHT, WIDTH
from mlcore.numbers import (COLON_BETWEEN, COMMA_BETWEEN, DASH_BETWEEN, PLUS_SIGN, SEVERAL_POINTS, boxes_picture,
                            read_number)

from mlcore.pen_taps import Stroke

from .photos import pen_ink
from .test_segment import canvas_with

TOP, DIGIT = 60, 130  # every digit's top and height on the canvas (px)
PEN = 16


def pen_stroke(points, pen: int = PEN) -> np.ndarray:
    """One stroke through `points` (x, y px), `pen` px wide, on a blank canvas: uint8 HEIGHT x WIDTH."""
    ink = np.zeros((HEIGHT, WIDTH), np.uint8)
    cv2.polylines(ink, [np.array(points, np.int32)], False, 255, pen, cv2.LINE_AA)
    return ink


def written(text: str, digit_gap: int = 30) -> np.ndarray:
    """`text` written left to right: digits as canvas-style strokes, "." a pen dot on the digits'
    baseline, "," that dot with a tail down to the left, ":" a dot on the baseline and one at
    mid-height over it, "-" a dash at mid-height; a student's spacing (`digit_gap` px between marks)."""
    return written_with_taps(text, digit_gap)[0]


def written_with_taps(text: str, digit_gap: int = 30) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """`written`, and the boxes of its pen taps (the dots of "." and ":") as the canvas reports them
    (`mlcore.pen_taps`: the pen's disc around where it touched)."""
    ink = np.zeros((HEIGHT, WIDTH), np.uint8)
    taps = []
    x = 40
    for mark in text:
        if mark in ".,:":
            for centre in [(x + PEN // 2, TOP + DIGIT - PEN // 2)] + [(x + PEN // 2, TOP + DIGIT // 2 - PEN // 2)] * (mark == ":"):
                cv2.circle(ink, centre, PEN // 2, 255, -1)
                if mark != ",":
                    taps.append((centre[0] - PEN // 2, centre[1] - PEN // 2, PEN, PEN))
            if mark == ",":
                cv2.line(ink, (x + PEN // 2 + 2, TOP + DIGIT - PEN // 2), (x - 4, TOP + DIGIT + 22), 255, PEN - 4)
            x += PEN + digit_gap
        elif mark == "-":
            cv2.line(ink, (x, TOP + DIGIT // 2), (x + 60, TOP + DIGIT // 2 - 3), 255, PEN)
            x += 60 + digit_gap
        else:
            glyph = canvas_with((int(mark), x, TOP, DIGIT))
            np.maximum(ink, glyph, out=ink)
            x = int(np.nonzero(glyph.any(axis=0))[0].max()) + digit_gap
    return ink, taps


def test_a_minus_sign_and_a_decimal_point_are_read_where_they_are_written(recognizer):
    for text in ("-7", "3.5", "0.5", "-12.5", "2.75"):
        assert read_number(recognizer, written(text)).shown_text == text, text


def test_the_thinnest_pens_point_and_a_short_minus_on_tall_digits_are_read(recognizer):
    # With the pen slider at its 8 px minimum and digits 200 px tall, the tapped point was dropped as
    # grain ("3.7" read 37) and a short minus joined to the 1 ("-13.7" read 437).
    for text in ("3.7", "-13.7", "1.3"):
        ink, taps = pen_ink(text, (HEIGHT, WIDTH), digit_height=200, pen=8)
        assert read_number(recognizer, ink, taps=taps).shown_text == text, text


@pytest.mark.parametrize("gap", [8, 12, 16])
def test_a_minus_whose_end_passes_under_the_first_digits_top_is_read(recognizer, gap):
    # A newcomer's "-7" with the 7's bar starting over the minus's end (a 16 px pen, 10-12 px between the
    # lines' ends, no ink touching) read "7" at 99.6 %: the minus was no dash wholly left of the digit,
    # and was joined to it.
    ink = np.zeros((HEIGHT, WIDTH), np.uint8)
    cv2.line(ink, (20, 125), (76, 125), 255, PEN)
    x = 76 + gap
    cv2.polylines(ink, [np.array([[x, 60], [x + 90, 60], [x + 40, 200]])], False, 255, PEN)
    reading = read_number(recognizer, ink, taps=[])
    assert reading.shown_text == "-7" and reading.minus_box[0] + reading.minus_box[2] > reading.digits[0].box[0]


def test_a_minus_drawn_into_the_first_digit_is_read_when_the_strokes_are_known(recognizer):
    # A newcomer's touching minus: "-7" read 7 at 99.6 % and "-13.7" 43.7, all green. The ink is one
    # mark; the canvas's strokes show a flat stroke before the digits.
    for text, ink_alone, inks in (
            ("-7", "7", [pen_stroke([(182, 125), (230, 125)]), pen_stroke([(215, 65), (261, 65), (231, 188)])]),
            ("-13", "43", [pen_stroke([(158, 125), (206, 125)]), pen_stroke([(221, 62), (222, 188)]),
                           pen_stroke([(250, 70), (300, 62), (320, 100), (290, 120), (325, 150), (300, 188), (255, 180)])])):
        ink = np.max(inks, axis=0)
        assert read_number(recognizer, ink, taps=[]).shown_text == ink_alone, "the case this test is about"
        reading = read_number(recognizer, ink, taps=[], strokes=[Stroke.from_mask(i) for i in inks])
        assert reading.shown_text == text and reading.minus_box[0] < reading.digits[0].box[0], text
    seven_with_a_bar = [pen_stroke([(215, 65), (261, 65), (231, 188)]), pen_stroke([(220, 125), (260, 125)])]
    assert read_number(recognizer, np.max(seven_with_a_bar, axis=0), taps=[],
                       strokes=[Stroke.from_mask(i) for i in seven_with_a_bar]).shown_text == "7", "a bar is no minus"


@pytest.mark.parametrize("pen", [16, 24])
def test_a_thick_minus_drawn_first_and_a_pen_width_into_the_first_digit_is_read(recognizer, pen):
    # The third newcomer's "-7" with a thick pen, the minus a pen width into the 7's stem, read 7 green:
    # under a third of the minus lay left of the 7's box (its bar). Drawn first, it is a minus when half
    # of it lies left of the 7's ink in its own rows. Drawn after the 7, a bar crossing its stem is not.
    stem = 246 - pen // 2  # the 7's stem's left edge at the minus's height
    minus = pen_stroke([(stem + pen // 2 - 45, 125), (stem + pen // 2, 125)], pen)
    seven = pen_stroke([(215, 65), (261, 65), (231, 188)], pen)
    ink = np.max([minus, seven], axis=0)
    strokes = [Stroke.from_mask(minus), Stroke.from_mask(seven)]
    assert read_number(recognizer, ink, taps=[]).shown_text == "7", "the case this test is about"
    assert read_number(recognizer, ink, taps=[], strokes=strokes).shown_text == "-7"
    bar = pen_stroke([(225, 125), (265, 125)], pen)
    assert read_number(recognizer, np.max([seven, bar], axis=0), taps=[],
                       strokes=[Stroke.from_mask(seven), Stroke.from_mask(bar)]).shown_text == "7", "a bar is no minus"
    four_bar_first = [pen_stroke(points, pen) for points in ([(210, 140), (265, 140)], [(235, 62), (210, 140)],
                                                             [(250, 62), (252, 188)])]
    assert read_number(recognizer, np.max(four_bar_first, axis=0), taps=[],
                       strokes=[Stroke.from_mask(i) for i in four_bar_first]).shown_text == "4", "a 4's bar drawn first"


@pytest.mark.parametrize("pen", [10, 24])
@pytest.mark.parametrize("side", [30, 60])
def test_a_plus_before_a_number_is_named_not_read_as_a_minus(recognizer, pen, side):
    # A newcomer's small "+7" read -7: its bar was taken for a minus (and its upright for a 1: "-17").
    bar = pen_stroke([(40, 125), (40 + side, 125)], pen)
    upright = pen_stroke([(40 + side // 2, 125 - side // 2), (40 + side // 2, 125 + side // 2)], pen)
    seven = pen_stroke([(130, 65), (176, 65), (146, 188)], pen)
    strokes = [Stroke.from_mask(i) for i in (bar, upright, seven)]
    reading = read_number(recognizer, np.max([bar, upright, seven], axis=0), taps=[], strokes=strokes)
    assert reading.text is None and reading.problem == PLUS_SIGN, (reading.text, reading.problem)
    (x, y, w, h), = reading.problem_boxes
    assert x <= 40 - pen // 2 + 2 and x + w <= 40 + side + pen // 2 + 2, "the plus is boxed, not the 7"


@pytest.mark.parametrize("pen", [10, 16])
def test_a_plus_between_digits_is_named_not_lost(recognizer, pen):
    # The fourth newcomer's "7+2" at pen 10 read 72, green: the small plus was lost.
    seven = pen_stroke([(40, 65), (86, 65), (56, 188)], pen)
    bar = pen_stroke([(110, 125), (150, 125)], pen)
    upright = pen_stroke([(130, 105), (130, 145)], pen)
    two = pen_stroke([(175, 90), (195, 66), (225, 70), (230, 100), (180, 186), (235, 186)], pen)
    strokes = [Stroke.from_mask(i) for i in (seven, bar, upright, two)]
    reading = read_number(recognizer, np.max([seven, bar, upright, two], axis=0), taps=[], strokes=strokes)
    assert reading.text is None and reading.problem == PLUS_SIGN, (reading.text, reading.problem)
    (x, _, w, _), = reading.problem_boxes
    assert 110 - pen // 2 - 2 <= x and x + w <= 150 + pen // 2 + 2, "the plus is boxed, not a digit"


@pytest.mark.parametrize("pen", [24, 32])
def test_a_minus_run_into_a_fours_bar_takes_none_of_the_bars_ink(recognizer, pen):
    # A newcomer's "-4", the minus drawn first and into the 4's bar: taking away all the minus's ink cut
    # the bar, and the 4 read 7 (pen 32, green) or was taken for two crossed digits (pens 20-28).
    strokes = [pen_stroke(points, pen) for points in ([(56, 129), (163, 129)], [(150, 53), (143, 134), (209, 134)],
                                                      [(191, 58), (194, 197)])]
    reading = read_number(recognizer, np.max(strokes, axis=0), taps=[], strokes=[Stroke.from_mask(i) for i in strokes])
    assert reading.shown_text == "-4"


def test_a_point_written_close_to_the_next_digit_is_not_joined_to_it(recognizer):
    reading = read_number(recognizer, written("3.5", digit_gap=12))
    assert reading.shown_text == "3.5"
    x, _, w, _ = reading.point_box
    assert x + w <= reading.digits[1].box[0], "the 5's box does not take in the point"


def test_a_point_or_colon_tapped_close_to_a_digit_is_read_not_joined_to_it(recognizer):
    # 2-4 px from the digits (a round dot needs 5 px here, ROUND_APART): a dot that close may be a
    # stroke's end broken off by a pen lift, and joins its digit ("3.5" read 35, "12:30" 1230), unless
    # the canvas says the pen tapped it there.
    for gap in (2, 4):
        for text, read in (("3.5", "3.5"), ("12.5", "12.5"), ("0.75", "0.75")):
            ink, taps = written_with_taps(text, digit_gap=gap)
            assert read_number(recognizer, ink).shown_text == text.replace(".", ""), (text, gap)
            assert read_number(recognizer, ink, taps=taps).shown_text == read, (text, gap)
        ink, taps = written_with_taps("12:30", digit_gap=gap)
        assert read_number(recognizer, ink).shown_text == "1230"
        reading = read_number(recognizer, ink, taps=taps)
        assert reading.problem == COLON_BETWEEN, gap
        [(x, y, w, h)] = reading.problem_boxes
        assert y <= TOP + DIGIT // 2 - PEN + 1 and y + h >= TOP + DIGIT - 1, "one box around both dots"


def test_a_round_dot_8_px_from_its_digits_is_a_point_without_taps(recognizer):
    # 8 px is 0.06 of these digits' height: a round dot is a point from 0.04 (ROUND_APART), a stub of a
    # broken stroke from 0.07 (DOT_APART). A photo has no taps.
    for text in ("3.5", "12.5", "0.75"):
        assert read_number(recognizer, written(text, digit_gap=8)).shown_text == text
    assert read_number(recognizer, written("12:30", digit_gap=8)).problem == COLON_BETWEEN


def test_a_tap_high_between_the_digits_is_no_point(recognizer):
    ink, _ = written_with_taps("35", digit_gap=40)
    right_of_3 = int(np.nonzero(ink[:, :200].any(axis=0))[0].max())
    high = (right_of_3 + 12, TOP + 10, PEN, PEN)
    cv2.circle(ink, (high[0] + PEN // 2, high[1] + PEN // 2), PEN // 2, 255, -1)
    reading = read_number(recognizer, ink, taps=[high])
    assert reading.shown_text == "35" and reading.point_box is None


def small_second_digit(number: str, share: float, gap: int = 30) -> np.ndarray:
    """`number` in canvas-style digits 160 px tall standing on one line, its 2nd digit `share` as tall."""
    placed, x = [], 30
    for k, digit in enumerate(number):
        height = int(160 * share) if k == 1 else 160
        placed.append((int(digit), x, 180 - height, height))
        x = int(np.nonzero(canvas_with(placed[-1]).any(axis=0))[0].max()) + gap
    return canvas_with(*placed)


def test_a_small_digit_between_big_ones_is_no_point_and_no_comma(recognizer):
    # A third as tall, the 9 of "1984" was a decimal point (1.84); at 40 %, the 3 of "4321" a comma.
    for share in (0.3, 0.4):
        for number in ("1984", "4321", "3081"):
            reading = read_number(recognizer, small_second_digit(number, share))
            assert reading.point_box is None and reading.problem != COMMA_BETWEEN, (number, share, reading.text)


def test_a_digit_less_than_half_as_tall_as_the_others_is_read(recognizer):
    # At 40 % it was joined to its neighbour: "2026" read 226, "7070" 770. (Not "3081": its last digit,
    # a 1 slanted far over its base, is like no digit the network knows and shows as "308?".)
    for number in ("1984", "2026", "4321", "7070"):
        assert read_number(recognizer, small_second_digit(number, 0.4)).shown_text == number


def test_a_faint_speck_where_a_point_would_be_is_no_decimal_point(recognizer):
    # MNIST digits carry faint grey specks (darkest 52-75 of 255): one low between two touching
    # digits read "9815" as 98.15. The same dot drawn as dark as the pen is a point.
    ink = written("3.5")
    _, labels, stats, _ = cv2.connectedComponentsWithStats((ink > 0).astype(np.uint8))
    dot = labels == 1 + int(np.argmin(stats[1:, cv2.CC_STAT_AREA]))
    assert read_number(recognizer, ink).shown_text == "3.5"
    ink[dot] = ink[dot] // 4  # at most 63 of 255
    assert read_number(recognizer, ink).shown_text == "35"


def test_a_comma_between_digits_makes_no_number_and_is_boxed(recognizer):
    # A decimal comma ("3,5") or a thousands separator ("1,984"): either way no silent "35" or "1984".
    for text in ("3,5", "1,984", "12,75"):
        reading = read_number(recognizer, written(text))
        assert reading.text is None and reading.problem == COMMA_BETWEEN, text
        [(x, y, w, h)] = reading.problem_boxes
        assert y > TOP + DIGIT // 2 and y + h > TOP + DIGIT, "the box is the comma's, low on the line"
        assert h <= DIGIT // 2, text


def test_a_colon_between_digits_makes_no_number_and_is_boxed(recognizer):
    reading = read_number(recognizer, written("12:30"))
    assert reading.text is None and reading.problem == COLON_BETWEEN
    [(x, y, w, h)] = reading.problem_boxes
    assert y < TOP + DIGIT // 2 < TOP + DIGIT <= y + h + 1 and w <= PEN + 2, "one box around both dots"


def test_two_points_make_no_number_and_both_are_boxed(recognizer):
    reading = read_number(recognizer, written("1.2.3"))
    assert reading.text is None and reading.problem == SEVERAL_POINTS.format(count=2)
    assert len(reading.problem_boxes) == 2


def test_a_dash_between_digits_or_after_them_makes_no_number_and_is_boxed(recognizer):
    # A dash after the last digit was joined to it ("77-" read 77) or made "I don't know" ("7-").
    for text in ("4-2", "12-3", "-4-2", "7-", "77-"):
        reading = read_number(recognizer, written(text))
        assert reading.text is None and reading.problem == DASH_BETWEEN, text
        assert len(reading.problem_boxes) == 1 and reading.problem_boxes[0][2] >= 55, "the dash is boxed"


def test_a_dash_between_digits_or_over_a_digit_is_no_minus_sign(recognizer):
    assert read_number(recognizer, written("1-2")).minus_box is None
    ink = written("45")
    cv2.line(ink, (40, 30), (100, 30), 255, PEN)  # a flat stroke above the 4, over its columns
    assert read_number(recognizer, ink).minus_box is None


def test_a_threes_middle_bar_drawn_apart_from_its_bowls_is_no_minus_sign(recognizer):
    # Its bowls are too short to be taken for digits of their own, so the bar lay left of every
    # digit-tall mark: "37" read as "-37" (as a broken MNIST 3 in benchmarks.numbers did).
    ink = canvas_with((7, 330, 25, 200))
    cv2.ellipse(ink, (200, 92), (55, 33), 0, 200, 410, 255, 14)   # the 3's top bowl
    cv2.line(ink, (150, 128), (198, 128), 255, 14)                # its middle bar, lifted either side
    cv2.ellipse(ink, (200, 165), (58, 35), 0, 310, 520, 255, 14)  # its bottom bowl
    reading = read_number(recognizer, ink)
    assert reading.minus_box is None and reading.shown_text == "37"


def test_the_minus_sign_is_ringed_in_blue_on_the_boxes_picture(recognizer):
    reading = read_number(recognizer, written("-7"))
    x, y, w, h = reading.minus_box
    picture = boxes_picture(reading)
    around = picture[max(0, y - w) : y + h + w, max(0, x - w // 2) : x + w + w // 2]
    assert ((around[..., 0] == 80) & (around[..., 1] == 170) & (around[..., 2] == 255)).any()
