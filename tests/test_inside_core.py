"""Inside the network: activations, saliency and robustness sweeps, on the real model and data."""

import cv2
import keras
import numpy as np
import pytest

from mlcore.activations import ActivationProbe
from mlcore.embedding import stratified_sample
from mlcore.model import Architecture, build_model
from mlcore.robustness import (SWEEPS, SweepReading, accuracy_curve, occlude, rotate, scale, shift, sweep_one,
                               thicker_pen, thickness)
from mlcore.saliency import Saliency

SHIPPED_STAGES = [("input", (28, 28, 1)), ("convolution", (28, 28, 32)), ("convolution", (28, 28, 32)),
                  ("pooling", (14, 14, 32)), ("convolution", (14, 14, 64)), ("convolution", (14, 14, 64)),
                  ("pooling", (7, 7, 64)), ("dense", (128,)), ("softmax", (10,))]


@pytest.fixture(scope="module")
def seven(mnist):
    assert mnist.y_test[0] == 7
    return mnist.x_test[0] / 255.0


@pytest.fixture(scope="module")
def tiny_mlp():
    keras.utils.set_random_seed(0)
    return build_model(Architecture(conv_blocks=0, dense_units=32, batch_norm=False), name="tiny_mlp")


def test_every_stage_of_the_shipped_model_in_order(recognizer, seven):
    activations = ActivationProbe(recognizer.model)(seven)
    assert [(a.stage.kind, a.shape) for a in activations] == SHIPPED_STAGES
    np.testing.assert_allclose(activations[0].values[..., 0], seven)
    softmax = activations[-1].values
    assert softmax.sum() == pytest.approx(1, abs=1e-5)
    np.testing.assert_allclose(softmax, recognizer.probabilities(seven), atol=1e-6)
    assert all(a.values.min() >= 0 for a in activations[1:-1]), "after ReLU and max-pooling nothing is negative"
    assert all(a.description for a in activations)


def test_first_filters_are_the_first_convolutions_kernels(recognizer):
    filters = ActivationProbe(recognizer.model).first_filters()
    kernel = recognizer.model.get_layer("conv2d").kernel.numpy()
    assert filters.shape == (32, 3, 3)
    np.testing.assert_array_equal(filters[5], kernel[:, :, 0, 5])


def test_a_network_without_convolutions_shows_dense_and_softmax(tiny_mlp, seven):
    probe = ActivationProbe(tiny_mlp)
    activations = probe(seven)
    assert [(a.stage.kind, a.shape) for a in activations] == [("input", (28, 28, 1)), ("dense", (32,)),
                                                              ("softmax", (10,))]
    assert probe.first_filters() is None
    np.testing.assert_allclose(activations[-1].values, tiny_mlp(seven[None, :, :, None]).numpy()[0], atol=1e-6)


class LeftHalfOnly(keras.layers.Layer):
    """Multiplies the input by a fixed mask: 1 on the left 14 columns, 0 on the right 14."""

    def call(self, images):
        mask = np.zeros((1, 28, 28, 1), np.float32)
        mask[:, :, :14] = 1
        return images * mask


@pytest.fixture(scope="module")
def left_half_model():
    keras.utils.set_random_seed(1)
    inputs = keras.Input((28, 28, 1))
    x = LeftHalfOnly()(inputs)
    x = keras.layers.Conv2D(8, 1, use_bias=False, activation="relu")(x)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def test_saliency_of_a_model_that_sees_only_the_left_half_is_zero_on_the_right(left_half_model, mnist):
    zero = mnist.x_test[np.flatnonzero(mnist.y_test == 0)[0]] / 255.0
    assert zero[:, :14].sum() > 10 and zero[:, 14:].sum() > 10, "ink on both sides"
    saliency = Saliency(left_half_model)
    classes = list(range(10))
    integrated = saliency.integrated_gradients(zero, classes)
    gradcam = saliency.gradcam(zero, classes)
    assert np.all(integrated[:, :, 14:] == 0) and np.all(gradcam[:, :, 14:] == 0)
    top = int(left_half_model(zero[None, :, :, None]).numpy().argmax())
    assert np.abs(integrated[top, :, :14]).max() > 0 and gradcam[top, :, :14].max() == pytest.approx(1)


def test_integrated_gradients_add_up_to_the_change_in_score(recognizer, seven):
    saliency = Saliency(recognizer.model)
    logits = saliency.logits(np.stack([seven, np.zeros_like(seven)]))
    attributions = saliency.integrated_gradients(seven, [7, 3])
    for row, digit in enumerate([7, 3]):
        change = logits[0, digit] - logits[1, digit]
        assert attributions[row].sum() == pytest.approx(change, rel=0.05, abs=0.2), "completeness within 5 % (Sundararajan et al.)"
    assert np.allclose(attributions[:, seven == 0], 0), "black pixels get no attribution"


def test_gradcam_of_the_predicted_digit_lies_on_the_ink(recognizer, seven):
    saliency = Saliency(recognizer.model)
    assert saliency.last_convolution == "re_lu_3"
    cam = saliency.gradcam(seven, [7])[0]
    assert cam.shape == (28, 28) and cam.max() == pytest.approx(1)
    near_ink = cv2.dilate((seven > 0.3).astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    assert cam[near_ink].mean() > 3 * cam[~near_ink].mean()


def test_the_tiny_mlp_has_integrated_gradients_but_no_gradcam(tiny_mlp, seven):
    saliency = Saliency(tiny_mlp)
    assert not saliency.has_gradcam
    with pytest.raises(ValueError, match="needs a convolution"):
        saliency.gradcam(seven, [7])
    assert saliency.integrated_gradients(seven, [1, 2]).shape == (2, 28, 28)


def test_transformations_move_and_change_the_ink_as_named():
    image = np.zeros((1, 28, 28), np.float32)
    image[0, 8:20, 10] = 1.0
    np.testing.assert_array_equal(shift(image, 3)[0, :, 13], image[0, :, 10])
    assert shift(image, 3)[0, :, 10].sum() == 0
    np.testing.assert_allclose(scale(image, 1.0), image, atol=1e-6)
    assert thickness(image, 1).sum() > image.sum()
    np.testing.assert_array_equal(thickness(image, 0), image)
    thick = thickness(image, 2)
    assert thickness(thick, -1).sum() < thick.sum()
    covered = occlude(image, 4)
    assert covered[0, 12:16].sum() == 0 and covered[0, 8:12, 10].sum() == 4 and covered[0, 16:20, 10].sum() == 4
    noisy = SWEEPS["noise"].apply(image, 0.3)
    np.testing.assert_array_equal(noisy, SWEEPS["noise"].apply(image, 0.3))
    assert noisy.min() >= 0 and noisy.max() <= 1 and np.abs(noisy - image).mean() > 0.05


def test_coarse_sweeps_keep_the_untouched_image():
    for sweep in SWEEPS.values():
        assert sweep.identity in sweep.coarse_values and len(sweep.coarse_values) <= 13
        assert np.allclose(sweep.apply(np.eye(28)[None], sweep.identity), np.eye(28)[None], atol=1e-6)


def test_a_sweep_marks_where_the_answer_flips():
    line = np.zeros((28, 28), np.float32)
    line[8:20, 10] = 1.0

    def right_or_left(images):
        right = images[:, :, 14:].sum(axis=(1, 2)) > images[:, :, :14].sum(axis=(1, 2))
        return np.eye(10)[right.astype(int)]

    reading = sweep_one(right_or_left, line, SWEEPS["shift"])
    assert reading.images.shape == (21, 28, 28)
    assert reading.flips() == [list(SWEEPS["shift"].values).index(4)]
    assert reading.digits[0] == 0 and reading.digits[-1] == 1


def test_accuracy_under_rotation_peaks_upright(recognizer, mnist):
    chosen = stratified_sample(mnist.y_test, 10)
    images, labels = mnist.x_test[chosen], mnist.y_test[chosen]
    sweep = SWEEPS["rotation"]
    curve = accuracy_curve(recognizer.predict_batch, images, labels, sweep, values=(-60, 0, 60))
    assert curve[1] == recognizer.accuracy(images, labels)
    assert curve[0] < curve[1] - 0.2 and curve[2] < curve[1] - 0.2


def one_hot(digits) -> np.ndarray:
    return np.eye(10, dtype=np.float32)[np.asarray(digits)]


def test_a_change_is_told_outward_from_the_untouched_drawing_with_units():
    from ui.robustness_charts import flip_sentence

    sweep = SWEEPS["rotation"]
    values = np.asarray(sweep.values, np.float32)
    # a 7 read as 4 from 50° clockwise on, and as 1 from 55° anticlockwise on
    digits = np.where(values <= -50, 4, np.where(values >= 55, 1, 7))
    reading = SweepReading(values, np.ones((len(values), 28, 28), np.float32), one_hot(digits), sweep.identity_index)
    assert reading.first_changes() == [list(values).index(-50), list(values).index(55)]
    sentence = flip_sentence(reading, sweep)
    assert sentence.startswith("Untouched, it reads 7.")
    assert "Turned 50° clockwise (−50°), it reads 4; up to −45° it still reads 7." in sentence
    assert "Turned 55° anticlockwise (+55°), it reads 1; up to +50° it still reads 7." in sentence


def test_positive_rotation_turns_anticlockwise_and_pen_width_is_in_pixels():
    image = np.zeros((1, 28, 28), np.float32)
    image[0, 13:15, 16:26] = 1.0  # a bar right of the centre
    turned = rotate(image, 90)[0]
    assert turned[:12].sum() > 0.9 * image.sum(), "a quarter turn anticlockwise takes it above the centre"
    line = np.zeros((1, 28, 28), np.float32)
    line[0, 8:20, 13] = 1.0
    assert (thicker_pen(line, 2)[0, 14] > 0).sum() == 3, "a pen 2 px wider draws a 1 px line 3 px wide"
    assert SWEEPS["thickness"].values == (-4, -2, 0, 2, 4, 6)


def test_steps_where_the_ink_has_nearly_gone_are_said_to_be_guesses(mnist):
    from ui.robustness_charts import flip_sentence

    two = mnist.x_test[1] / 255.0
    assert mnist.y_test[1] == 2

    def reads_one_when_faint(images):  # like the real network: almost no ink looks like a 1
        return one_hot(np.where(images.sum(axis=(1, 2)) < 0.15 * two.sum(), 1, 2))

    sweep = SWEEPS["scale"]
    reading = sweep_one(reads_one_when_faint, two, sweep)
    assert reading.ink_share[sweep.identity_index] == pytest.approx(1)
    assert reading.ink_nearly_gone[0] and not reading.ink_nearly_gone[sweep.identity_index]
    sentence = flip_sentence(reading, sweep)
    assert "Shrunk to ×0.3, under 15 % of the ink is left and the network, reading 1, is guessing" in sentence
    assert "it reads 1;" not in sentence


def test_every_sweep_chart_gives_each_digit_the_same_colour_and_thickness_has_integer_ticks(recognizer, seven):
    from ui.robustness_charts import DIGIT_COLOURS, sweep_chart

    scales = []
    for name in ("rotation", "noise", "thickness"):
        spec = sweep_chart(sweep_one(recognizer.predict_batch, seven, SWEEPS[name]), SWEEPS[name]).to_dict()
        colour = next(layer["encoding"]["color"] for layer in spec["layer"] if "color" in layer.get("encoding", {}))
        scales.append((colour["scale"]["domain"], colour["scale"]["range"]))
        if name == "thickness":
            x = next(layer["encoding"]["x"] for layer in spec["layer"] if layer["encoding"]["x"]["field"] == "value")
            assert x["axis"]["values"] == [-4, -2, 0, 2, 4, 6] and x["axis"]["format"] == "d"
            assert x["scale"] == {"domain": [-4.0, 6.0], "nice": False}
    assert all(scale == ([str(d) for d in range(10)], DIGIT_COLOURS) for scale in scales)
