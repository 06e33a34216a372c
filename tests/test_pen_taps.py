"""Pen taps from the canvas's strokes (`mlcore.pen_taps`), on the JSON streamlit-drawable-canvas sends
(captured from a real canvas in Chromium: a 60 px stroke and a tap, pen 16)."""

import numpy as np

from mlcore.pen_taps import pen_strokes, pen_taps

STROKE = {"type": "Path", "originX": "center", "originY": "center", "left": 115, "top": 130, "width": 30.032,
          "height": 60.032, "strokeWidth": 16, "scaleX": 1, "scaleY": 1,
          "path": [["M", 99.984, 99.984], ["Q", 100, 100, 101.5, 103], ["L", 130.016, 160.016]]}
TAP = {"type": "Path", "originX": "center", "originY": "center", "left": 160, "top": 180, "width": 0.032,
       "height": 0, "strokeWidth": 16, "scaleX": 1, "scaleY": 1, "path": [["M", 159.984, 180], ["L", 160.016, 180]]}


def test_a_tap_is_the_pens_disc_where_it_touched_and_a_stroke_is_no_tap():
    assert pen_taps({"version": "7.4.0", "objects": [STROKE, TAP]}) == [(152, 172, 16, 16)]


def test_taps_are_scaled_to_the_drawings_pixels():
    assert pen_taps({"objects": [TAP]}, scale=2.0) == [(304, 344, 32, 32)]


def test_a_tiny_circle_is_a_tap_and_a_short_dash_is_not():
    circle = dict(TAP, width=14.0, height=13.0)  # a point drawn as a circle 14 px across, pen 16
    dash = dict(TAP, width=20.0, height=1.0)
    assert pen_taps({"objects": [circle, dash]}) == [(145, 166, 30, 29)]


def test_nothing_or_anything_else_gives_no_taps():
    for data in (None, {}, {"objects": None}, {"objects": "x"}, [TAP], {"objects": [None, 3, {"type": "Path"}]},
                 {"objects": [dict(TAP, left="160")]}, {"objects": [dict(TAP, strokeWidth=0)]},
                 {"objects": [dict(TAP, left=float("nan"))]}, {"objects": [dict(TAP, type="LabeledRect")]}):
        assert pen_taps(data) == [], data


def test_each_stroke_is_drawn_along_its_path_with_its_pen_and_scaled():
    strokes = pen_strokes({"objects": [STROKE, TAP]}, (250, 300))
    assert len(strokes) == 2 and strokes[0].ink.dtype == np.uint8
    x, y, w, h = strokes[0].box  # (100, 100) to (130, 160), pen 16
    assert abs(x - 92) <= 1 and abs(y - 92) <= 1 and abs(x + w - 138) <= 2 and abs(y + h - 168) <= 2
    assert strokes[0].ink.shape == (h, w)
    assert not strokes[0].ink[100 - y, 125 - x] and strokes[0].ink[130 - y, 115 - x], "along the line, not its box"
    x, y, w, h = pen_strokes({"objects": [STROKE]}, (500, 600), scale=2.0)[0].box
    assert abs(x - 184) <= 2 and abs(x + w - 276) <= 3


def test_a_stroke_is_cut_to_the_drawing_and_one_wholly_off_it_is_skipped():
    (stroke,) = pen_strokes({"objects": [STROKE]}, (120, 110))  # the drawing ends inside the stroke
    x, y, w, h = stroke.box
    assert x + w <= 110 and y + h <= 120 and stroke.ink.shape == (h, w)
    assert pen_strokes({"objects": [STROKE]}, (80, 80)) == []


def test_strokes_it_cannot_read_are_skipped():
    for data in (None, {}, {"objects": None}, [STROKE], {"objects": [None, 3, {"type": "Path"}]},
                 {"objects": [dict(STROKE, path=[["M", 1, 2], ["C", 1, 2, 3, 4, 5, 6]])]},
                 {"objects": [dict(STROKE, path=[["M", float("nan"), 2]])]}, {"objects": [dict(STROKE, path="M 1 2")]},
                 {"objects": [dict(STROKE, strokeWidth=0)]}, {"objects": [dict(STROKE, scaleX=2)]},
                 {"objects": [dict(STROKE, type="LabeledRect")]}):
        assert pen_strokes(data, (250, 300)) == [], data
