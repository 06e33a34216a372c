"""Splitting written numbers into digits and reading them, on numbers composed from MNIST test
digits and canvas-style drawn digits (mlcore.number_samples), with the real model."""

import itertools

import cv2
import numpy as np
import pytest

from benchmarks.numbers import digit_strokes, samples
from mlcore.number_samples import HEIGHT, WIDTH, make_number
from mlcore.numbers import CROSSED, SEVERAL_LINES, boxes_picture, percent, read_number
from mlcore.pen_taps import Stroke
from mlcore.segment import CANT_SEPARATE, lines_of_writing, over_segment
from mlcore.synthetic import _arc, render_digit


def numbers(mnist, kinds, count, lengths=(4,), seed=0):
    rng = np.random.default_rng(seed)
    for k in range(count):
        kind, source = kinds[k % len(kinds)], ("mnist", "drawn")[(k // len(kinds)) % 2]
        yield make_number(rng, lengths[k % len(lengths)], kind, source, mnist.x_test, mnist.y_test)


def share_read_whole(recognizer, samples):
    samples = list(samples)
    wrong = [(s.kind, s.source, s.digits, read_number(recognizer, s.rgba).shown_text) for s in samples]
    wrong = [w for w in wrong if w[2] != w[3]]
    return 1 - len(wrong) / len(samples), wrong


# Floors a number or two under what these seeded sets measure, read as the page shows them (a mark
# like no digit is a "?": "758?" is no 7586). Gaps 93.75 % (98.75 % counting a "?" as its digit: 4 of
# the 5 misses are MNIST digits the novelty check finds far from every digit it knows); broken strokes
# were 93.75 % without the whole-digit check, mlcore.whole_digit, and 96.25 % before pieces read unsure
# were read again with their pen lifts closed. The target (97 % for every layout) is not
# reached. `python -m benchmarks.numbers` measures 120 numbers per layout and source.
@pytest.mark.parametrize(("kind", "at_least"), [("gaps", 0.925), ("touching", 0.85), ("broken", 0.96)])
def test_four_digit_numbers_read_whole(recognizer, mnist, kind, at_least):
    share, wrong = share_read_whole(recognizer, numbers(mnist, (kind,), 80, seed=7))
    assert share >= at_least, wrong


def test_touching_drawn_digits_of_different_pen_widths_are_cut_where_they_touch(recognizer):
    # Each drawn digit has its own pen width (8-29 px): a cut that paid for ink rather than for
    # strokes crossed went twice through a thin digit instead of once where it meets a thick one
    # (35 of these 40 read whole then; 38 now, 36 with no "?" shown).
    rng = np.random.default_rng(12)
    share, wrong = share_read_whole(recognizer, [make_number(rng, 4, "touching", "drawn") for _ in range(40)])
    assert share >= 0.875, wrong


@pytest.mark.parametrize("length", [2, 3, 5, 6])
def test_numbers_of_two_to_six_digits_with_gaps_read_whole(recognizer, mnist, length):
    # 3 and 6 digits: 20 and 19 of 24, most misses a "?" for an MNIST digit like no digit the network knows.
    share, wrong = share_read_whole(recognizer, numbers(mnist, ("gaps",), 24, (length,), seed=length))
    assert share >= 0.75, wrong


def test_a_digit_written_inside_or_over_another_is_refused_not_misread(recognizer, mnist):
    refused = 0
    for sample in numbers(mnist, ("overlapping",), 40, lengths=(2, 3, 4, 5), seed=2):
        reading = read_number(recognizer, sample.rgba)
        assert reading.text in (None, sample.digits), (sample.source, sample.digits, reading.text)
        if reading.text is None:
            assert reading.problem.startswith(CANT_SEPARATE) and len(reading.problem_boxes) == 2
            refused += 1
    assert refused >= 0.95 * 40, "a short digit tucked under a tall one's box may be separated and read right"


def test_two_digits_written_across_one_another_are_mostly_refused_rather_than_misread(recognizer, mnist):
    # Crossed into one blob, a pair often reads as one digit: the whole-digit check finds the blob far
    # from one whole digit ("I can't separate these"), or the blob is like no digit at all ("...doesn't look
    # like one digit (two digits written across one another..."). Of these 40, 14 are refused (2 and 12)
    # and 6 read right; all 40 were misread before the check.
    refused = 0
    for sample in numbers(mnist, ("crossing",), 40, lengths=(2, 3, 4), seed=4):
        reading = read_number(recognizer, sample.rgba)
        if reading.problem:
            assert reading.problem_boxes and reading.text is None
            refused += 1
    assert refused >= 12


def test_digits_crossed_into_one_mark_are_read_as_another_number_far_less_when_the_strokes_are_known(recognizer, mnist):
    # The same 40 crossed pairs: 9 read as another number from the ink alone, 1 ("593" read 58) with
    # each digit's strokes known, as the canvas knows them.
    wrong = {True: [], False: []}
    for sample in numbers(mnist, ("crossing",), 40, lengths=(2, 3, 4), seed=4):
        for known in (True, False):
            shown = read_number(recognizer, sample.rgba, taps=[], strokes=digit_strokes(sample) if known else None).shown_text
            if shown is not None and "?" not in shown and shown != sample.digits:
                wrong[known].append((sample.digits, shown))
    assert len(wrong[True]) <= 1 and len(wrong[False]) >= 6, wrong


def test_a_cross_between_two_digits_is_named_as_no_digit_not_as_two_digits_run_together(recognizer):
    ink = canvas_with((4, 60, 50, 150), (2, 480, 50, 150))
    cv2.line(ink, (260, 60), (380, 190), 255, 14)
    cv2.line(ink, (380, 60), (260, 190), 255, 14)
    reading = read_number(recognizer, ink)
    assert reading.text is None
    assert reading.problem.startswith("I can't read this as a number: the 2nd mark from the left doesn't look like "
                                      "one digit"), reading.problem
    assert reading.problem_boxes == [reading.digits[1].box] and reading.digits[1].box[0] >= 250


@pytest.mark.parametrize(("first", "second"), [(3, 8), (5, 6), (8, 8), (2, 5)])
def test_a_drawn_digit_written_mostly_over_another_is_refused(recognizer, first, second):
    # Their blob reads as one digit far from a whole one ("I can't separate these"), or as no digit at
    # all ("...doesn't look like one digit (two digits written across one another..."): either way it
    # is boxed in red, both digits' ink inside the box, and no number is given.
    reading = read_number(recognizer, canvas_with((first, 250, 50, 150), (second, 275, 50, 150)))
    assert reading.text is None and len(reading.problem_boxes) == 1, (reading.text, reading.problem)
    x, y, w, h = reading.problem_boxes[0]
    assert x <= 255 and x + w >= 275 + 60 and h >= 140, reading.problem_boxes
    assert "written across one another" in reading.problem


def test_a_lone_digit_is_read_not_taken_for_two_crossed(recognizer, mnist):
    # 116 of these 120 read right, with or without the crossed-pair refusal; a drawn 1 reads 7, and two
    # MNIST 5s and a 3 are like no digit the network knows ("?", or no number).
    share, wrong = share_read_whole(recognizer, numbers(mnist, ("gaps",), 120, lengths=(1,), seed=5))
    assert share >= 0.95, wrong


def canvas_with(*digits):
    """Canvas-style digits drawn into given boxes (digit, x, y, height) of a wide canvas."""
    ink = np.zeros((HEIGHT, WIDTH), np.uint8)
    rng = np.random.default_rng(4)
    for digit, x, y, height in digits:
        glyph = render_digit(digit, rng)[..., 0]
        points = cv2.boundingRect(cv2.findNonZero((glyph > 25).astype(np.uint8)))
        gx, gy, gw, gh = points
        glyph = glyph[gy : gy + gh, gx : gx + gw]
        glyph = cv2.resize(glyph, (max(1, round(gw * height / gh)), height))
        region = ink[y : y + height, x : x + glyph.shape[1]]
        np.maximum(region, glyph[:, : region.shape[1]], out=region)
    return ink


def test_a_number_on_no_common_baseline_with_uneven_sizes_and_a_thin_tall_one(recognizer):
    ink = canvas_with((1, 40, 20, 200), (9, 210, 60, 120), (8, 360, 30, 170), (4, 550, 90, 110))
    reading = read_number(recognizer, ink)
    assert reading.shown_text == "1984"
    assert [d.box[0] for d in reading.digits] == sorted(d.box[0] for d in reading.digits)


def test_a_number_whose_every_digit_the_pen_left_in_two_pieces_is_read_whole(recognizer):
    # A 6 px band of lost ink across the whole line cuts every digit in two: no piece is as tall as a
    # digit. The number's height is taken after the pieces of each digit are put together (it was the
    # tallest piece's: 3 of these 16 were read, the rest refused or read with extra digits).
    read = []
    for number in ("7537", "2026", "1984", "4096", "3580", "6142", "9273", "8051"):
        for band in (0.45, 0.6):
            ink = canvas_with(*[(int(d), 40 + 150 * k, 50, 160) for k, d in enumerate(number)])
            top = 50 + int(band * 160)
            ink[top : top + 6] = 0
            assert len(lines_of_writing(ink)) == 1, "a pen lift's gap is no blank line between two lines"
            read.append((number, read_number(recognizer, ink).text))
    assert sum(number == text for number, text in read) >= 14, read


@pytest.mark.parametrize("gap", [3, 6, 10, 30])
def test_two_lines_of_digits_make_no_number_and_each_line_is_boxed(recognizer, gap):
    # "12" over "34" read "33" (a 1 over a 3 taken for one digit), or "I don't know". Lines 3 or 6 px
    # apart are as close as a band of ink lost across one line (above): each reads clearly on its own.
    ink = canvas_with((1, 100, 10, 100), (2, 200, 10, 100), (3, 100, 110 + gap, 100), (4, 200, 110 + gap, 100))
    reading = read_number(recognizer, ink)
    assert reading.text is None and reading.problem == SEVERAL_LINES.format(count=2)
    assert [(y, h) for _, y, _, h in reading.problem_boxes] == [(10, 100), (110 + gap, 100)]
    assert lines_of_writing(np.zeros_like(ink)) == []


def test_a_seven_right_over_a_five_is_two_lines_not_a_three(recognizer):
    for gap in (3, 6):
        ink = canvas_with((7, 100, 10, 100), (5, 100, 110 + gap, 100))
        assert read_number(recognizer, ink).problem == SEVERAL_LINES.format(count=2), gap


def test_an_eight_whose_pen_lifted_on_its_lower_loop_is_read_as_an_eight(recognizer):
    # A gap in the lower loop's left side makes some 8s look like a 3 the network has never seen; a
    # piece read unsure is read again with its gaps closed (2 of these 20 were read "53" before).
    read = []
    for seed in range(20):
        glyph = render_digit(8, np.random.default_rng(seed))[..., 0]
        x, y, w, h = cv2.boundingRect(cv2.findNonZero((glyph > 25).astype(np.uint8)))
        glyph = cv2.resize(glyph[y : y + h, x : x + w], (round(w * 160 / h), 160))
        glyph[116:122, : glyph.shape[1] // 2] = 0
        ink = canvas_with((5, 80, 55, 160))
        np.maximum(ink[55:215, 300 : 300 + glyph.shape[1]], glyph, out=ink[55:215, 300 : 300 + glyph.shape[1]])
        read.append(read_number(recognizer, ink).text)
    assert read == ["58"] * 20


def test_pieces_of_one_digit_and_a_dot_are_merged_and_a_far_speck_is_ignored(recognizer):
    ink = np.zeros((HEIGHT, WIDTH), np.uint8)
    cv2.line(ink, (100, 50), (190, 50), 255, 14)        # a 7's bar, lifted before the stem
    cv2.line(ink, (196, 62), (140, 210), 255, 14)      # its stem, not touching the bar
    cv2.circle(ink, (320, 130), 55, 255, 14)           # a 0
    cv2.circle(ink, (322, 200), 5, 255, -1)            # an ink dot where the 0 closes
    cv2.circle(ink, (650, 20), 2, 255, -1)             # a speck far away
    reading = read_number(recognizer, ink)
    assert reading.shown_text == "70"
    assert reading.digits[0].box[0] == 100 - 7 and reading.digits[0].box[2] >= 190 - 100


def test_a_blank_canvas_has_no_number_and_the_picture_has_the_canvas_size(recognizer):
    reading = read_number(recognizer, np.zeros((HEIGHT, WIDTH, 4), np.uint8))
    assert reading.is_blank and reading.text is None
    assert boxes_picture(reading).shape == (HEIGHT, WIDTH, 3)


def test_a_photo_of_a_written_number_is_read(recognizer, mnist):
    from mlcore.image_io import photo_to_canvas

    sample = make_number(np.random.default_rng(9), 4, "gaps", "drawn")
    photo = np.dstack([255 - sample.ink] * 3 + [np.full_like(sample.ink, 255)])
    noisy = np.clip(photo[..., :3] * np.linspace(0.7, 1.0, WIDTH)[None, :, None], 0, 255).astype(np.uint8)
    photo = np.dstack([noisy, photo[..., 3]])
    assert read_number(recognizer, photo_to_canvas(photo, side=WIDTH)).shown_text == sample.digits


def test_segment_refuses_a_colour_image():
    with pytest.raises(ValueError):
        over_segment(np.zeros((10, 10, 3), np.uint8))


def test_two_touching_ones_are_cut_where_they_touch_and_a_ring_is_read_whole(recognizer):
    ink = np.zeros((HEIGHT, WIDTH), np.uint8)
    cv2.line(ink, (300, 40), (300, 200), 255, 12)  # a 1
    cv2.line(ink, (360, 40), (360, 200), 255, 12)  # another 1...
    cv2.line(ink, (300, 120), (360, 120), 255, 12)  # ...touching it through one stroke
    lattice = over_segment(ink)
    assert len(lattice.atoms) == 2 and lattice.cuts[0] < 1.5
    left, right = lattice.atoms
    assert left.box[0] == 300 - 6 and right.box[0] + right.box[2] == 360 + 7
    ring = np.zeros((HEIGHT, WIDTH), np.uint8)
    cv2.circle(ring, (330, 120), 80, 255, 12)  # a 0: every cut crosses two strokes
    assert min(over_segment(ring).cuts, default=2.0) > lattice.cuts[0]  # its cuts cross more ink
    assert read_number(recognizer, ring).shown_text == "0"


def test_labels_of_a_crowded_reading_do_not_overlap():
    from mlcore.numbers import _label_spots

    boxes = [(10 + 22 * k, 40, 20, 60) for k in range(12)]  # twelve narrow digits side by side
    spots = _label_spots(boxes, [(58, 22)] * 12, (140, 300))
    for k, a in enumerate(spots):
        assert 0 <= a[0] and a[0] + a[2] <= 300 and 0 <= a[1] and a[1] + a[3] <= 140, "inside the picture"
        for b in spots[k + 1 :]:
            assert not (a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]), (a, b)


def test_a_photo_of_2026_is_shown_cut_to_the_number_with_labels_apart_and_its_point_ringed(recognizer):
    from mlcore.image_io import clean_photo, decode_picture
    from mlcore.numbers import boxes_picture, read_photo_number
    from .photos import written_number

    cleaned = clean_photo(decode_picture(written_number("2026", width=1400, height=300)), side=700)
    reading = read_photo_number(recognizer, cleaned.canvas, cleaned.marks)
    assert reading.shown_text == "2026"
    picture = boxes_picture(reading, crop=True)
    assert picture.shape[0] < 0.5 * picture.shape[1], "a band around the number, not the mostly black square"
    cleaned = clean_photo(decode_picture(written_number("3.14")), side=700)
    reading = read_photo_number(recognizer, cleaned.canvas, cleaned.marks)
    assert reading.shown_text == "3.14" and reading.point_box is not None
    picture = boxes_picture(reading)
    x, y, w, h = reading.point_box
    ring = picture[max(0, y - 2 * h) : y + 3 * h, max(0, x - 2 * w) : x + 3 * w]
    assert ((ring[..., 0] == 80) & (ring[..., 1] == 170) & (ring[..., 2] == 255)).any(), "the point is ringed in blue"


def test_a_drawing_mostly_of_marks_like_no_digit_is_no_number_and_names_them(recognizer):
    ink = canvas_with((2, 290, 40, 170))
    for left in (60, 500):  # an X either side of a 2
        cv2.line(ink, (left, 60), (left + 120, 200), 255, 14)
        cv2.line(ink, (left + 120, 60), (left, 200), 255, 14)
    reading = read_number(recognizer, ink)
    assert reading.text is None, "two Xs and a 2 are no number"
    assert reading.problem.startswith("I don't know: the 1st and 3rd marks from the left don't look like a digit")
    assert [x for x, _, _, _ in reading.problem_boxes] == [60 - 7, 500 - 7]


def test_a_broken_digit_whose_pieces_stand_one_over_the_other_is_read_not_refused(recognizer):
    ink = np.zeros((HEIGHT, WIDTH), np.uint8)
    cv2.circle(ink, (200, 80), 45, 255, 14)             # a 9's loop...
    cv2.line(ink, (243, 140), (238, 215), 255, 14)      # ...and its stem, lifted below the loop
    cv2.circle(ink, (420, 125), 80, 255, 14)            # a 0
    reading = read_number(recognizer, ink)
    assert reading.problem is None and reading.shown_text == "90"


def test_a_mark_like_no_digit_beside_a_digit_is_labelled_as_a_guess_without_a_confidence(recognizer):
    # One odd mark among two is read (a drawn digit now and then lands far from the reference digits),
    # but its box must not claim "0 100%" under the page's warning that it is a guess (and no box
    # claims 100%: "7 >99%").
    ink = canvas_with((7, 60, 50, 150))
    cv2.circle(ink, (350, 125), 70, 255, 14)                       # a face: its outline,
    for eye in ((325, 105), (375, 105)):
        cv2.circle(ink, eye, 6, 255, -1)                           # its eyes,
    cv2.ellipse(ink, (350, 140), (35, 25), 0, 20, 160, 255, 14)    # its smile
    reading = read_number(recognizer, ink)
    assert [reading.label(digit) for digit in reading.digits] == ["7 >99%", "0?"]
    assert reading.shown_text == "7?", "the number shown does not pass the guess off as a 0"
    assert (percent(0.994), percent(0.9995, 1), percent(0.9994, 1)) == ("99%", ">99.9%", "99.9%")
    assert (percent(0.004), percent(0.006), percent(0.0004, 1), percent(0.0006, 1)) == ("<1%", "1%", "<0.1%", "0.1%")


def touching(number: str, overlap: int) -> np.ndarray:
    """`number` in canvas-style digits 160 px tall, each drawn `overlap` px into the one before."""
    placed, x = [], 30
    for digit in number:
        placed.append((int(digit), x, 20, 160))
        x = int(np.nonzero(canvas_with(placed[-1]).any(axis=0))[0].max()) - overlap
    return canvas_with(*placed)


def test_a_piece_cut_out_of_touching_digits_that_may_be_part_of_one_is_not_shown_as_sure(recognizer):
    # "2026", each digit 8-16 px into the one before: the top of the 2, cut off the 0 it touches, read
    # "7 97%" in green, under a whole number "2726" at 97 % (its whole-digit chance was 0.03).
    for overlap in (8, 12, 16):
        reading = read_number(recognizer, touching("2026", overlap))
        assert reading.text != "2026", "the case this test is about: a wrong cut"
        assert reading.confidence < 0.05, overlap
        sure = [digit for digit in reading.digits if reading.colour(digit) == "green"]
        assert [digit.digit for digit in sure] == [2, 6], overlap  # the last 2 and the 6, read whole


def benchmark_number(mnist, seed: int, kind: str, source: str, index: int):
    """The `index`th number of `kind` and `source` in `python -m benchmarks.numbers --count 120 --seed seed`."""
    cell = (sample for k, s, sample in samples(mnist, 120, [4], seed) if (k, s) == (kind, source))
    return next(itertools.islice(cell, index, None))


@pytest.mark.parametrize(("index", "digits"), [(6, "6306"), (65, "7198"), (116, "6379")])
def test_touching_digits_whose_strokes_share_columns_are_read_when_the_ink_was_cut_into_those_two(recognizer, mnist,
                                                                                                   index, digits):
    # Benchmark numbers (seed 0, touching, drawn) refused as written across one another: the 6's loop
    # runs under the 3, so the strokes share a third of the columns, yet the ink was cut into the same
    # 6 and 3 that the strokes read. A pair cut into other digits than its strokes is still refused.
    sample = benchmark_number(mnist, 0, "touching", "drawn", index)
    assert sample.digits == digits
    reading = read_number(recognizer, sample.rgba, taps=[], strokes=digit_strokes(sample))
    assert reading.shown_text == digits, (reading.shown_text, reading.problem)


@pytest.mark.parametrize(("seed", "kind", "source", "index", "wrong"), [
    (0, "broken", "mnist", 10, "7"), (0, "broken", "drawn", 49, "7"), (1, "touching", "mnist", 83, "7")])
def test_a_digit_cut_out_of_touching_ink_and_misread_is_not_shown_as_sure(recognizer, mnist, seed, kind, source,
                                                                           index, wrong):
    # Benchmark numbers where a cut went wrong: "2664" read 7664 with "7 68%" in green, "9230" read
    # 9730 with "7 63%", "2325" read 2525 with "5 51%" (since the novelty check reads two layers, 7325
    # with its 7 cut out of the touching 23). A cut-out digit needs 70 % to be green.
    sample = benchmark_number(mnist, seed, kind, source, index)
    reading = read_number(recognizer, sample.rgba)
    misread = [d for d, truth in zip(reading.digits, sample.digits) if str(d.digit) != truth]
    assert len(reading.digits) == 4 and [str(d.digit) for d in misread] == [wrong], (
        f"{reading.text}: the case this test is about is a wrong cut; if it is read right, find another")
    assert misread[0].cut_out and reading.colour(misread[0]) == "amber"


@pytest.mark.parametrize(("source", "index", "digits"), [("mnist", 111, "2261"), ("drawn", 8, "8188"),
                                                       ("drawn", 85, "1207")])
def test_a_stroke_end_broken_off_beside_a_digit_is_no_decimal_point_on_the_canvas(recognizer, mnist, source, index,
                                                                                    digits):
    # Benchmark numbers with broken strokes (seed 0): a stroke's end left by a pen lift, round and low
    # beside its digit, read "2261" as 22.61. On the canvas a point put down on purpose is a tap of
    # the pen; a dot that is not one must be apart from the digits as a loose dot is.
    sample = benchmark_number(mnist, 0, "broken", source, index)
    assert sample.digits == digits
    reading = read_number(recognizer, sample.rgba, taps=[])
    assert reading.text == digits and reading.point is None  # (its MNIST 2 is like no digit: "?261")


def test_a_pen_dot_far_from_the_digits_is_ignored_and_a_lone_one_is_too_small_to_read(recognizer):
    # A finger or mouse that moves a few pixels while tapping leaves a dot one stroke wide: read as
    # a digit, it made "42" a refusal ("...two digits run into one") and a lone dot a "1".
    for smear in (0, 6):
        ink = canvas_with((4, 60, 50, 150), (2, 250, 50, 150))
        cv2.line(ink, (600, 120), (600 + smear, 121), 255, 16)
        assert read_number(recognizer, ink).shown_text == "42"
        dot = np.zeros_like(ink)
        cv2.line(dot, (600, 120), (600 + smear, 121), 255, 16)
        assert read_number(recognizer, dot).is_blank


@pytest.mark.parametrize(("seed", "written", "place"), [(63, "4599", 2), (150, "5059", 3)])
def test_a_digit_written_over_another_and_read_as_one_is_not_shown_as_sure(recognizer, seed, written, place):
    # Drawn digits crossed into one mark, read as one digit with every box green: "4599" read 499 at
    # 97.7 %, "5059" read 509 at 98.9 %. The whole-digit check doubts the mark (0.21 and 0.08).
    sample = make_number(np.random.default_rng(seed), 4, "crossing", "drawn")
    assert sample.digits == written
    reading = read_number(recognizer, sample.rgba, taps=[])
    doubted = reading.digits[place - 1]
    assert reading.colour(doubted) == "amber" and doubted.may_be_two
    assert reading.confidence < 0.3, "the whole number is not claimed either"


def pen_strokes_in(strokes, box, pen=14):
    """Each stroke (a polyline in the unit square, x right, y down) drawn on its own into `box` (x, y,
    w, h) of a number canvas: (the drawing, each `Stroke`), as the canvas knows them."""
    x, y, w, h = box
    inks = []
    for stroke in strokes:
        ink = np.zeros((HEIGHT, WIDTH), np.uint8)
        points = np.round(np.asarray(stroke) * [w, h] + [x, y]).astype(np.int32)
        cv2.polylines(ink, [points], False, 255, pen, cv2.LINE_AA)
        inks.append(ink)
    return np.max(inks, axis=0), [Stroke.from_mask(ink) for ink in inks]


MANY_STROKES = {
    4: [[(0.3, 0), (0.1, 0.78), (0.9, 0.78)], [(0.65, 0.05), (0.65, 1)]],  # a tall arm, then the stem
    5: [[(0.25, 0), (0.22, 0.45)] + _arc(0.5, 0.68, 0.32, 0.3, 220, 500), [(0.25, 0), (0.8, 0)]],  # the flag last
    7: [[(0.1, 0), (0.9, 0), (0.5, 1)], [(0.3, 0.5), (0.75, 0.5)]],  # with a bar
    1: [[(0.3, 0.22), (0.5, 0), (0.5, 1)], [(0.25, 1), (0.75, 1)]],  # with a base
    8: [_arc(0.5, 0.25, 0.25, 0.25, 90, 450), _arc(0.5, 0.75, 0.3, 0.25, 270, -90)],  # two loops
    0: [_arc(0.5, 0.5, 0.35, 0.5, 90, 270), _arc(0.5, 0.5, 0.35, 0.5, -90, 90)],  # two halves
}


@pytest.mark.parametrize("digit", sorted(MANY_STROKES))
def test_a_digit_drawn_in_several_strokes_is_read_not_taken_for_two_crossed(recognizer, digit):
    ink, strokes = pen_strokes_in(MANY_STROKES[digit], (300, 50, 90, 150))
    assert read_number(recognizer, ink, taps=[], strokes=strokes).shown_text == str(digit)


@pytest.mark.parametrize("pen", [16, 24])
@pytest.mark.parametrize("overlap", [0.5, 1.0])
def test_a_two_run_into_the_foot_of_a_one_is_read_from_the_strokes(recognizer, pen, overlap):
    # A newcomer's "12", the 2's corner half to one pen width into the 1's foot, was refused: one mark
    # of ink that reads as no digit. Its strokes are a clear 1 and a clear 2 side by side.
    one, ones = pen_strokes_in([[(0.45, 0.12), (0.5, 0.5), (0.53, 0.88)]], (60, 50, 80, 150), pen)
    left = round(60 + 0.53 * 80 + pen - 0.25 * 90 - overlap * pen)  # the 2's corner `overlap` pens into the 1's ink
    two, twos = pen_strokes_in([_arc(0.5, 0.32, 0.24, 0.2, 190, 380) + [(0.3, 0.8), (0.25, 0.85), (0.78, 0.84)]],
                               (left, 50, 90, 150), pen)
    ink = np.max([one, two], axis=0)
    assert read_number(recognizer, ink, taps=[]).shown_text != "12", "the case this test is about: the ink alone fails"
    reading = read_number(recognizer, ink, taps=[], strokes=ones + twos)
    assert reading.shown_text == "12", (reading.shown_text, reading.problem)


def test_a_three_run_into_an_eight_is_read_from_the_strokes_when_the_cut_leaves_no_digit(recognizer):
    # A newcomer's "56" at one to two pen widths of overlap showed "?6": the cut left a piece like no
    # digit. This 3 run 1.5 pens into an 8 shows "?8" read from the ink.
    three_strokes = [_arc(0.48, 0.3, 0.22, 0.18, 200, 440) + _arc(0.48, 0.66, 0.26, 0.2, 270, 500)]
    eight_strokes = [_arc(0.5, 0.3, 0.18, 0.18, 90, 450) + _arc(0.5, 0.68, 0.22, 0.2, 270, -90)]
    three, threes = pen_strokes_in(three_strokes, (60, 50, 100, 150), pen=12)
    eight_at_zero, _ = pen_strokes_in(eight_strokes, (0, 50, 100, 150), pen=12)
    left = np.flatnonzero(three.max(axis=0)).max() - np.flatnonzero(eight_at_zero.max(axis=0)).min() - 18  # 1.5 pens in
    eight, eights = pen_strokes_in(eight_strokes, (int(left), 50, 100, 150), pen=12)
    ink = np.max([three, eight], axis=0)
    assert read_number(recognizer, ink, taps=[]).shown_text == "?8", "the case this test is about"
    reading = read_number(recognizer, ink, taps=[], strokes=threes + eights)
    assert reading.shown_text == "38", (reading.shown_text, reading.problem)


def test_an_h_whose_strokes_part_like_crossed_digits_is_refused_in_words_that_allow_a_letter(recognizer):
    # A newcomer's "1H3" on a phone was refused as "two digits are written one over the other": the H's
    # bar and right side read 4 and its left side 1, and the 4's box spans the 1's columns.
    one, first = pen_strokes_in([[(0.5, 0), (0.5, 1)]], (60, 50, 60, 150), pen=20)
    h, hs = pen_strokes_in([[(0.1, 0), (0.1, 1)], [(0.9, 0), (0.9, 1)], [(0.1, 0.5), (0.9, 0.5)]], (200, 50, 100, 150), pen=20)
    three, threes = pen_strokes_in([[(0.1, 0.1), (0.5, 0), (0.9, 0.2), (0.4, 0.5), (0.9, 0.75), (0.5, 1), (0.1, 0.9)]],
                                   (360, 50, 90, 150), pen=20)
    reading = read_number(recognizer, np.max([one, h, three], axis=0), taps=[], strokes=first + hs + threes)
    assert reading.text is None and reading.problem == CROSSED, (reading.text, reading.problem)
    assert "letter" in reading.problem and "two digits are written one over the other" not in reading.problem


def test_a_four_written_across_a_nine_is_refused_when_the_canvas_knows_the_strokes(recognizer):
    # Cut apart by the ink alone, the crossed 4 and 9 read "47": "1477", the second 7 at 0.6 %. The
    # strokes part into a 4 and a 9, each as tall as their blob. (A newcomer's "1, 4 over 9, 7" read 197.)
    one, first = pen_strokes_in([[(0.5, 0), (0.5, 1)]], (60, 50, 60, 150))
    four, fours = pen_strokes_in([[(0.6, 0), (0.1, 0.65), (0.9, 0.65)], [(0.62, 0), (0.64, 1)]], (220, 50, 90, 150))
    nine, nines = pen_strokes_in([_arc(0.5, 0.28, 0.35, 0.28, 0, 360) + [(0.85, 1)]], (265, 50, 90, 150))
    seven, sevens = pen_strokes_in([[(0.1, 0), (0.9, 0), (0.4, 1)]], (450, 50, 90, 150))
    ink = np.max([one, four, nine, seven], axis=0)
    assert read_number(recognizer, ink, taps=[]).shown_text == "1477", "the case this test is about: a wrong cut"
    reading = read_number(recognizer, ink, taps=[], strokes=first + fours + nines + sevens)
    assert reading.text is None and reading.problem == CROSSED, (reading.text, reading.problem)
    boxes = sorted(reading.problem_boxes)
    assert len(boxes) == 2 and 221 <= boxes[0][0] <= 226 and 268 <= boxes[1][0] <= 274, boxes  # the 4, the 9


def _written_into(first, second, distance, pen=16, height=200):
    """`first` and `second` drawn as the E2E tests draw them (tests.e2e.drawing.STROKES), pen strokes
    `pen` px wide, the second's leftmost point `distance` px right of the first's rightmost: (ink, strokes)."""
    from tests.e2e.drawing import STROKES

    def drawn(digit, left):
        inks = []
        for stroke in STROKES[digit]:
            ink = np.zeros((HEIGHT, WIDTH), np.uint8)
            points = np.round(np.array(stroke) * height + [left, 25]).astype(np.int32)
            cv2.polylines(ink, [points], False, 255, pen, cv2.LINE_AA)
            inks.append(ink)
        return inks

    span = {d: (min(min(x for x, _ in s) for s in STROKES[d]) * height, max(max(x for x, _ in s) for s in STROKES[d]) * height)
            for d in (first, second)}
    inks = drawn(first, 100) + drawn(second, int(100 + span[first][1] - span[second][0] + distance))
    return np.max(inks, axis=0), [Stroke.from_mask(ink) for ink in inks]


@pytest.mark.parametrize(("first", "second", "distance", "ink_alone"), [(1, 0, 2, "0"), (5, 6, 8, "55")])
def test_a_digit_written_into_its_neighbours_stroke_is_read_from_the_strokes_not_lost(recognizer, first, second,
                                                                                      distance, ink_alone):
    # A newcomer's "10" with the 1 run into the 0's stroke read "0 >99%", green: a digit lost without a
    # word. Its strokes are a 1 and a 0, side by side, and the 0 was read: the strokes' digits are read.
    ink, strokes = _written_into(first, second, distance)
    assert read_number(recognizer, ink, taps=[]).shown_text == ink_alone, "the case this test is about"
    reading = read_number(recognizer, ink, taps=[], strokes=strokes)
    assert reading.problem is None and reading.shown_text == f"{first}{second}"
    assert [reading.colour(digit) for digit in reading.digits] == ["green", "green"]
    apart, strokes = _written_into(first, second, 16)  # the strokes just touch: cut apart and read
    assert read_number(recognizer, apart, taps=[], strokes=strokes).shown_text == f"{first}{second}"
