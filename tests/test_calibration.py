"""Temperature scaling and expected calibration error, on synthetic logits and the real model."""

import numpy as np
import pytest

from mlcore.calibration import (expected_calibration_error, fit_temperature, logits_from_probabilities,
                                reliability, softmax)
from mlcore.inference import VALIDATION_SIZE, reference_digits


def overconfident_logits(n, seed):
    """Logits whose softmax is right about 80 % of the time but claims about 99 %."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(10, size=n)
    predicted = np.where(rng.random(n) < 0.8, labels, rng.integers(10, size=n))
    logits = rng.normal(0, 1, (n, 10))
    logits[np.arange(n), predicted] += 8.0
    return logits, labels


def test_temperature_softens_an_overconfident_model_and_ece_falls_on_held_out_data():
    fit_logits, fit_labels = overconfident_logits(4000, seed=1)
    temperature = fit_temperature(fit_logits, fit_labels)
    assert temperature > 1.5
    held_logits, held_labels = overconfident_logits(4000, seed=2)
    before = expected_calibration_error(softmax(held_logits), held_labels)
    after = expected_calibration_error(softmax(held_logits, temperature), held_labels)
    assert before > 0.1 and after < before / 3


def test_temperature_never_changes_the_answer():
    logits, labels = overconfident_logits(500, seed=3)
    temperature = fit_temperature(logits, labels)
    np.testing.assert_array_equal(softmax(logits, temperature).argmax(1), logits.argmax(1))


def test_an_underconfident_model_gets_a_temperature_below_one():
    logits, labels = overconfident_logits(3000, seed=4)
    right = logits.argmax(1) == labels
    temperature = fit_temperature(logits[right] / 20, labels[right])
    assert 0 < temperature < 1


def test_reliability_bins_count_every_answer_and_ece_of_a_perfect_model_is_zero():
    probabilities = np.eye(10)[np.arange(200) % 10]
    table = reliability(probabilities, np.arange(200) % 10)
    assert table.count.sum() == 200 and table.rows()[-1]["accuracy"] == 1.0
    assert expected_calibration_error(probabilities, np.arange(200) % 10) == 0.0


def test_fit_refuses_mismatched_inputs():
    with pytest.raises(ValueError):
        fit_temperature(np.zeros((3, 10)), np.zeros(2, int))
    with pytest.raises(ValueError):
        fit_temperature(np.zeros((0, 10)), np.zeros(0, int))


def test_logits_from_probabilities_give_back_the_probabilities():
    logits, _ = overconfident_logits(50, seed=5)
    np.testing.assert_allclose(softmax(logits_from_probabilities(softmax(logits))), softmax(logits), atol=1e-9)


def test_shipped_models_temperature_is_the_one_fitted_on_the_validation_split(recognizer, mnist):
    """The sidecar's T is the NLL minimiser on the held-out validation split, and with it the
    model stays calibrated on the test set it never saw (ECE under 1 %)."""
    images, labels = reference_digits()
    _, logits = recognizer.features_and_logits(images[:VALIDATION_SIZE])
    refit = fit_temperature(logits, labels[:VALIDATION_SIZE])
    assert recognizer.metadata["calibration"]["temperature"] == pytest.approx(refit, abs=2e-3)
    assert recognizer.temperature > 0
    test_logits = logits_from_probabilities(recognizer.predict_batch(mnist.x_test))
    assert expected_calibration_error(softmax(test_logits, recognizer.temperature), mnist.y_test) < 0.01
