"""The app's "I don't know": non-digits flagged, real digits still answered, for any model."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from mlcore.inference import NOT_A_DIGIT, SEVERAL_DIGITS, Recognizer
from mlcore.model import Architecture, build_model
from mlcore.nondigits import KINDS, non_digit_canvases
from mlcore.novelty import ClassGaussians, MahalanobisDetector, looks_like_several_digits
from mlcore.selective import coverage_accuracy_curve, evaluate
from mlcore.synthetic import render_digit


@pytest.fixture(scope="module")
def report(recognizer):
    return evaluate(recognizer, digits=500, non_digits=350)


def test_most_non_digits_are_flagged(report):
    assert report.flagged_share >= 0.80, report.flagged_by_kind


def test_canvas_style_digits_are_still_answered_and_right(report):
    assert report.answered_right_share >= 0.98


def test_every_kind_of_non_digit_is_mostly_flagged(report):
    assert set(report.flagged_by_kind) == set(KINDS)
    assert all(flagged / total >= 0.5 for flagged, total in report.flagged_by_kind.values()), report.flagged_by_kind


def test_coverage_falls_and_accuracy_rises_as_the_threshold_tightens(report):
    curve = coverage_accuracy_curve(report, "distance", points=20)
    loosest, tightest = curve[0], curve[-1]
    assert loosest["coverage"] > tightest["coverage"]
    assert tightest["accuracy"] > loosest["accuracy"]


def stroke_canvas(strokes, width=18):
    canvas = np.zeros((280, 280, 4), np.uint8)
    canvas[..., 3] = 255
    for stroke in strokes:
        points = np.round(np.asarray(stroke) * 280).astype(np.int32)
        cv2.polylines(canvas, [points], False, (255, 255, 255, 255), width, cv2.LINE_AA)
    return canvas


def test_an_a_drawn_with_three_strokes_gets_i_dont_know(recognizer):
    reading = recognizer.recognize(stroke_canvas([[(0.2, 0.85), (0.5, 0.15)], [(0.5, 0.15), (0.8, 0.85)],
                                                  [(0.33, 0.6), (0.67, 0.6)]]))
    assert reading.is_unsure and not reading.is_one_digit and reading.doubt == NOT_A_DIGIT
    assert "doesn't look like one digit" in reading.reason


def test_ten_written_as_two_digits_is_several_digits(recognizer):
    ten = stroke_canvas([[(0.25, 0.2), (0.27, 0.8)], [(0.6, 0.2), (0.45, 0.5), (0.6, 0.8), (0.78, 0.5), (0.6, 0.2)]])
    assert looks_like_several_digits(ten[..., 0])
    reading = recognizer.recognize(ten)
    assert reading.doubt == SEVERAL_DIGITS and "several digits" in reading.reason


def test_digits_drawn_in_separate_strokes_are_one_digit():
    """A 4 or a 7 with a separate bar, a 5 with a separate flag: one digit, not several."""
    rng = np.random.default_rng(5)
    separate_strokes = [
        [[(0.3, 0.1), (0.22, 0.55), (0.75, 0.55)], [(0.62, 0.1), (0.64, 0.9)]],
        [[(0.2, 0.15), (0.75, 0.15), (0.45, 0.9)], [(0.35, 0.5), (0.7, 0.5)]],
        [[(0.35, 0.15), (0.32, 0.45), (0.55, 0.42), (0.68, 0.6), (0.6, 0.8), (0.35, 0.85)], [(0.35, 0.15), (0.7, 0.14)]],
        [[(0.5, 0.1), (0.5, 0.9)], [(0.35, 0.9), (0.65, 0.9)]],
    ]
    for strokes in separate_strokes:
        assert not looks_like_several_digits(stroke_canvas(strokes, width=int(rng.integers(8, 29)))[..., 0])


def test_a_big_long_flagged_one_filling_the_canvas_is_read_as_1_and_not_told_to_draw_bigger(recognizer):
    one = stroke_canvas([[(0.1, 0.35), (0.55, 0.02), (0.55, 0.98)]], width=20)
    reading = recognizer.recognize(one)
    assert reading.is_one_digit and reading.digit == 1
    assert "bigger" not in (reading.reason or "")


def test_a_small_unclear_drawing_is_told_to_draw_bigger(recognizer):
    rng = np.random.default_rng(0)
    readings = [recognizer.recognize(render_digit(d, rng, side=280)) for d in range(10) for _ in range(3)]
    small = [r for r in readings if r.reason and "bigger" in r.reason]
    assert all(max(r.trace.cropped.shape) < 0.5 * 280 for r in small)


def test_checks_work_for_a_tiny_mlp_fitted_on_demand():
    """An untrained Tiny MLP: calibration and the distance check are fitted on first use."""
    model = build_model(Architecture(conv_blocks=0, dense_units=32, dropout=0.2, batch_norm=False), name="tiny")
    recognizer = Recognizer(model)
    assert recognizer.temperature > 0
    assert isinstance(recognizer.detector, MahalanobisDetector)
    assert [layer.means.shape for layer in recognizer.detector.layers] == [(10, 32)]  # no feature map: one layer
    canvases, _ = non_digit_canvases(7, seed=1)
    readings = [recognizer.recognize(c) for c in canvases]
    assert all(r.probabilities is not None and abs(r.probabilities.sum() - 1) < 1e-4 for r in readings)


def test_the_shipped_model_loads_its_fitted_checks_from_its_sidecar(recognizer):
    """The sidecar carries the temperature and the novelty check: loading fits nothing, and the
    stored check gives the distances a fresh fit on the same reference digits gives."""
    loaded = Recognizer.load()
    assert loaded._detector is not None and loaded._temperature is not None  # nothing left to fit
    refitted = Recognizer(loaded.model)
    canvases, _ = non_digit_canvases(7, seed=2)
    layers, _ = loaded.layer_features_and_logits(np.stack([loaded.recognize(c).image for c in canvases]))
    assert [len(layer.means) for layer in loaded.detector.layers] == [10, 10]  # the last feature map and hidden layer
    np.testing.assert_allclose(loaded.detector.score(layers), refitted.detector.score(layers), rtol=1e-4, atol=1e-4)
    assert loaded.detector.threshold == pytest.approx(refitted.detector.threshold, rel=1e-4)


@pytest.mark.parametrize("record", [[1, 2], {"means": {"shape": [10, 3], "float32_base64": "AAAA"},
                                               "precision": "x", "threshold": 1.0}])
def test_a_damaged_stored_check_is_fitted_again(recognizer, record):
    metadata = {**recognizer.metadata, "novelty": record}
    rebuilt = Recognizer(recognizer.model, metadata)
    assert rebuilt._detector is None
    assert [g.means.shape for g in rebuilt.detector.layers] == [g.means.shape for g in recognizer.detector.layers]


def test_a_stored_check_for_other_features_is_refused():
    record = MahalanobisDetector((ClassGaussians(np.zeros((10, 4)), np.eye(4)),), 3.0, 4.0).to_record()
    assert MahalanobisDetector.from_record(record, [4]).in_number_threshold == 4.0
    with pytest.raises(ValueError, match="other features"):
        MahalanobisDetector.from_record(record, [128])
    with pytest.raises(ValueError, match="other features"):
        MahalanobisDetector.from_record(record, [8, 4])  # a check of one layer for a model with two


def test_a_check_stored_the_old_way_is_fitted_again(recognizer):
    """A sidecar written before the check read two layers (one `means`, one `precision`)."""
    old = {"method": "Mahalanobis distance to the nearest class mean (Lee et al. 2018)", "threshold": 262.2,
           **{key: value for key, value in recognizer.detector.layers[-1].to_record().items()
              if key in ("means", "precision")}}
    rebuilt = Recognizer(recognizer.model, {**recognizer.metadata, "novelty": old})
    assert rebuilt._detector is None and len(rebuilt.detector.layers) == 2


@pytest.fixture(scope="module")
def mnist_test_features(recognizer, mnist):
    """The layers' features and the logits of MNIST's 10,000 test digits (held out of training and of
    fitting the check: people's own handwriting), computed once for this module."""
    return recognizer.layer_features_and_logits(mnist.x_test)


def test_real_handwriting_is_rarely_taken_for_no_digit(recognizer, mnist_test_features):
    """At most 4.5 % of MNIST's test digits may be "not like any digit" (3.6 % measured; 5.3 % when
    the check read the last hidden layer alone)."""
    assert recognizer.detector.is_novel(mnist_test_features[0]).mean() <= 0.045


def test_a_check_stored_without_its_threshold_for_numbers_is_fitted_again(recognizer):
    """A sidecar written before marks in a number had a threshold of their own."""
    record = {key: value for key, value in recognizer.detector.to_record().items() if key != "in_number_threshold"}
    rebuilt = Recognizer(recognizer.model, {**recognizer.metadata, "novelty": record})
    assert rebuilt._detector is None
    assert rebuilt.detector.in_number_threshold == pytest.approx(recognizer.detector.in_number_threshold, rel=1e-4)


def test_in_a_number_real_handwriting_is_taken_for_no_digit_half_as_often_and_letters_still_mostly_are(
        recognizer, mnist_test_features):
    """Marks in a written number (`is_novel_in_number`): of MNIST's 10,000 test digits at most 2.5 %
    are "not like any digit" (1.9 % measured; 3.6 % with the Draw page's check, which the test
    fails with), and of 200 letters at least 85 % still are (90.5 % measured; 91.5 % on the Draw page)."""
    from mlcore.calibration import softmax

    layers, logits = mnist_test_features
    sure = softmax(logits, recognizer.temperature).max(axis=1)
    assert recognizer.detector.is_novel_in_number(layers, sure).mean() <= 0.025
    letters, _ = non_digit_canvases(200, seed=4242, kinds=("letter",))
    readings = recognizer.recognize_batch(letters, in_number=True)
    assert np.mean([not reading.is_one_digit for reading in readings]) >= 0.85


def test_refitting_a_saved_models_checks_keeps_its_other_facts(tmp_path, recognizer):
    """`python -m mlcore.refit_checks`: a sidecar with a check stored the old way gets the two-layer
    check, which the next load takes without fitting; the model file and every other field stay."""
    import json
    import shutil

    from mlcore.model import DEFAULT_MODEL_PATH, sidecar_path
    from mlcore.refit_checks import main

    path = Path(shutil.copy(DEFAULT_MODEL_PATH, tmp_path / "copy.keras"))
    old = {**recognizer.metadata, "novelty": {"threshold": 262.2, "means": {}, "precision": {}}}
    sidecar_path(path).write_text(json.dumps(old))
    main([str(path)])
    updated = json.loads(sidecar_path(path).read_text())
    assert {k: v for k, v in updated.items() if k not in ("novelty", "calibration")} == \
        {k: v for k, v in old.items() if k not in ("novelty", "calibration")}
    assert len(updated["novelty"]["layers"]) == 2
    assert Recognizer.load(path)._detector is not None  # nothing left to fit
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.json", "copy.keras"]
