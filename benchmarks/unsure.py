"""How well the app says "I don't know": `python -m benchmarks.unsure [--model PATH]`.

Prints the share of MNIST's test digits the novelty check takes for no digit (on the Draw page and
among marks in a written number, with the non-digits flagged there), the share of
generated non-digits flagged (target >= 80 %), the share of canvas-style digits still answered and
right (target >= 98 %), each kind of non-digit, the calibration
(temperature, ECE before and after on MNIST's validation split) and the coverage/accuracy curve.
"""

from __future__ import annotations

import argparse

import numpy as np

from mlcore.calibration import expected_calibration_error, logits_from_probabilities, softmax
from mlcore.data import load_mnist
from mlcore.inference import VALIDATION_SIZE, Recognizer, reference_digits
from mlcore.nondigits import KINDS, non_digit_canvases
from mlcore.selective import EVALUATION_NON_DIGIT_SEED, coverage_accuracy_curve, evaluate


def in_number_figures(recognizer: Recognizer, layers, logits, non_digits: int) -> None:
    """Print what the check takes for no digit among marks in a written number (`is_novel_in_number`):
    MNIST's test digits (their `layers` and `logits`, as `layer_features_and_logits` gives them), and
    each kind of non-digit but pairs (a number's segmentation parts those)."""
    novel = recognizer.detector.is_novel_in_number(layers, softmax(logits, recognizer.temperature).max(axis=1))
    print(f"  in a number: MNIST test digits taken for no digit {novel.mean():.2%}")
    kinds = tuple(kind for kind in KINDS if kind != "pair")
    canvases, labels = non_digit_canvases(non_digits, EVALUATION_NON_DIGIT_SEED, kinds)
    flagged = np.array([not r.is_one_digit for r in recognizer.recognize_batch(canvases, in_number=True)])
    labels = np.array(labels)
    print(f"  in a number: non-digits flagged {flagged.mean():.1%} of {len(flagged)} ("
          + ", ".join(f"{kind} {flagged[labels == kind].mean():.0%}" for kind in kinds) + ")")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=None, help="a .keras file (default: the shipped model)")
    parser.add_argument("--digits", type=int, default=1000)
    parser.add_argument("--non-digits", type=int, default=700)
    args = parser.parse_args(argv)
    recognizer = Recognizer.load(args.model)
    recognizer.prepare_checks()
    images, labels = reference_digits()
    _, logits = recognizer.features_and_logits(images[:VALIDATION_SIZE])
    y = labels[:VALIDATION_SIZE]
    print(f"model {recognizer.path}")
    print(f"temperature T = {recognizer.temperature:.3f}; ECE on the validation split "
          f"before {expected_calibration_error(softmax(logits), y):.4f}, "
          f"after {expected_calibration_error(softmax(logits, recognizer.temperature), y):.4f}")
    mnist = load_mnist()
    test_logits = logits_from_probabilities(recognizer.predict_batch(mnist.x_test))
    print(f"MNIST test accuracy {np.mean(test_logits.argmax(1) == mnist.y_test):.4%}; ECE on the test set "
          f"(held out of training and of fitting T) before "
          f"{expected_calibration_error(softmax(test_logits), mnist.y_test):.4f}, after "
          f"{expected_calibration_error(softmax(test_logits, recognizer.temperature), mnist.y_test):.4f}")
    if recognizer.detector is not None:
        layers, logits = recognizer.layer_features_and_logits(mnist.x_test)
        novel = recognizer.detector.is_novel(layers)
        print(f"MNIST test digits taken for no digit (people's handwriting, held out): {novel.mean():.2%} of {len(novel)}")
        in_number_figures(recognizer, layers, logits, args.non_digits)
    report = evaluate(recognizer, args.digits, args.non_digits)
    print(f"non-digits flagged: {report.flagged_share:.1%} of {report.non_digits} (target >= 80 %)")
    print(f"canvas-style digits answered and right: {report.answered_right_share:.1%} of {report.digits} "
          f"(flagged {report.digits_flagged}; target >= 98 %)")
    for kind, (flagged, total) in sorted(report.flagged_by_kind.items()):
        print(f"  {kind:10s} flagged {flagged / total:6.1%} ({flagged}/{total})")
    for score in ("confidence", "distance"):
        print(f"coverage / accuracy, threshold on {score}:")
        for row in coverage_accuracy_curve(report, score, points=11):
            print(f"  threshold {row['threshold']:10.4g}  coverage {row['coverage']:.3f}  "
                  f"accuracy {row['accuracy']:.3f}  digits answered right {row['digits_answered_right']:.3f}  "
                  f"non-digits flagged {row['non_digits_flagged']:.3f}")


if __name__ == "__main__":
    main()
