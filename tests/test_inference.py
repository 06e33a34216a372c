import numpy as np

from mlcore.synthetic import canvas_style_digits, render_digit


def test_blank_canvas_gets_no_guess(recognizer):
    blank = np.zeros((280, 280, 4), dtype=np.uint8)
    blank[..., 3] = 255
    reading = recognizer.recognize(blank)
    assert reading.is_blank and reading.digit is None and reading.probabilities is None


def test_reads_canvas_style_digits(recognizer):
    rng = np.random.default_rng(2024)
    readings = [recognizer.recognize(render_digit(digit, rng)) for digit in range(10) for _ in range(5)]
    correct = sum(r.digit == d for r, d in zip(readings, [d for d in range(10) for _ in range(5)]))
    assert correct >= 47
    reading = readings[0]
    assert reading.image.shape == (28, 28)
    assert abs(reading.probabilities.sum() - 1) < 1e-4 and reading.confidence == reading.probabilities.max()


def test_canvas_style_validation_accuracy(recognizer):
    images, labels = canvas_style_digits(1000, seed=99)
    assert recognizer.accuracy(images, labels) >= 0.97


def test_predict_batch_matches_single_recognition(recognizer, mnist):
    batch = recognizer.predict_batch(mnist.x_test[:64])
    assert batch.shape == (64, 10)
    single = recognizer.probabilities(mnist.x_test[5] / 255.0)
    np.testing.assert_allclose(batch[5], single, atol=1e-5)
    assert recognizer.predict_batch(mnist.x_test[:0]).shape == (0, 10)
