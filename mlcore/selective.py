"""Measuring "I don't know": how many non-digits are caught, how many real digits still answered.

Selective prediction (Geifman and El-Yaniv, "Selective Classification for Deep Neural Networks",
NeurIPS 2017): a model that may abstain trades coverage (the share of inputs it answers) for
accuracy (the share of its answers that are right). Here the inputs mix canvas-style digits with
non-digits; an answer to a non-digit always counts as wrong.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from mlcore.nondigits import non_digit_canvases
from mlcore.synthetic import render_digit

EVALUATION_DIGIT_SEED, EVALUATION_NON_DIGIT_SEED = 2026, 4242
"""Seeds of the evaluation sets, apart from every set used in training or in fitting the checks."""


@dataclass(frozen=True)
class UnsureReport:
    """What the app did with generated digits and non-digits."""

    digits: int
    digits_answered_right: int
    digits_flagged: int
    non_digits: int
    non_digits_flagged: int
    flagged_by_kind: dict[str, tuple[int, int]] = field(default_factory=dict)
    """kind -> (flagged, total)."""
    digit_confidence: np.ndarray = field(default_factory=lambda: np.zeros(0))
    digit_correct: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    digit_distance: np.ndarray = field(default_factory=lambda: np.zeros(0))
    non_digit_confidence: np.ndarray = field(default_factory=lambda: np.zeros(0))
    non_digit_distance: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def flagged_share(self) -> float:
        return self.non_digits_flagged / max(self.non_digits, 1)

    @property
    def answered_right_share(self) -> float:
        return self.digits_answered_right / max(self.digits, 1)


def digit_canvases(count: int, seed: int = EVALUATION_DIGIT_SEED) -> tuple[list[np.ndarray], np.ndarray]:
    """`count` canvas-style digits as RGBA 280x280 canvases (as drawn), with their labels."""
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % 10
    return [render_digit(int(d), rng) for d in labels], labels


def evaluate(recognizer, digits: int = 1000, non_digits: int = 700,
             digit_seed: int = EVALUATION_DIGIT_SEED, non_digit_seed: int = EVALUATION_NON_DIGIT_SEED) -> UnsureReport:
    """Run `recognizer.recognize` on generated digits and non-digits and count its decisions.

    A non-digit counts as flagged when the reading is not one digit (`is_one_digit` False) or
    is unsure for any reason; a digit counts as answered and right when it is not unsure and
    the digit is its label.
    """
    digit_images, labels = digit_canvases(digits, digit_seed)
    other_images, kinds = non_digit_canvases(non_digits, non_digit_seed)
    digit_readings = [recognizer.recognize(image) for image in digit_images]
    other_readings = [recognizer.recognize(image) for image in other_images]
    flagged = [r.is_blank or r.is_unsure for r in other_readings]
    by_kind: dict[str, list[int]] = {}
    for kind, was_flagged in zip(kinds, flagged):
        by_kind.setdefault(kind, [0, 0])
        by_kind[kind][0] += was_flagged
        by_kind[kind][1] += 1
    return UnsureReport(
        digits=digits,
        digits_answered_right=sum((not r.is_blank and not r.is_unsure and r.digit == d)
                                  for r, d in zip(digit_readings, labels)),
        digits_flagged=sum(r.is_blank or r.is_unsure for r in digit_readings),
        non_digits=non_digits,
        non_digits_flagged=sum(flagged),
        flagged_by_kind={k: (v[0], v[1]) for k, v in by_kind.items()},
        digit_confidence=np.array([r.confidence for r in digit_readings]),
        digit_correct=np.array([r.digit == d for r, d in zip(digit_readings, labels)]),
        digit_distance=_distances(recognizer, digit_readings),
        non_digit_confidence=np.array([r.confidence for r in other_readings]),
        non_digit_distance=_distances(recognizer, other_readings),
    )


def _distances(recognizer, readings) -> np.ndarray:
    """The novelty score of each reading (`Recognizer.novelty_scores`: Mahalanobis distances; NaN
    for blanks, or models without the check)."""
    kept = [r.image for r in readings if not r.is_blank]
    out = np.full(len(readings), np.nan)
    scores = recognizer.novelty_scores(np.stack(kept)) if kept else None
    if scores is not None:
        out[[i for i, r in enumerate(readings) if not r.is_blank]] = scores
    return out


def coverage_accuracy_curve(report: UnsureReport, score: str = "confidence", points: int = 50) -> list[dict]:
    """Coverage (share of all drawings answered) against accuracy (share of answers right) as the
    threshold on one score moves, over the report's digits and non-digits together.

    `score` is "confidence" (answer when the calibrated confidence is at least the threshold) or
    "distance" (answer when the Mahalanobis distance is at most it). Rows: threshold, coverage,
    accuracy, digits_answered_right (share of the digits answered and right), non_digits_flagged;
    from the loosest threshold (everything answered) to the tightest.
    """
    if score == "confidence":
        keep_score = np.concatenate([report.digit_confidence, report.non_digit_confidence])
    elif score == "distance":
        keep_score = -np.concatenate([report.digit_distance, report.non_digit_distance])
    else:
        raise ValueError(f"unknown score {score!r}: choose 'confidence' or 'distance'")
    right = np.concatenate([report.digit_correct, np.zeros(len(report.non_digit_confidence), bool)])
    is_digit = np.arange(len(right)) < len(report.digit_correct)
    valid = ~np.isnan(keep_score)
    thresholds = np.unique(np.quantile(keep_score[valid], np.linspace(0, 1, points))) if valid.any() else []
    rows = []
    for threshold in thresholds:
        answered = valid & (keep_score >= threshold)
        rows.append({
            "threshold": float(-threshold if score == "distance" else threshold),
            "coverage": float(answered.mean()),
            "accuracy": float(right[answered].mean()) if answered.any() else 1.0,
            "digits_answered_right": float((answered & right)[is_digit].mean()),
            "non_digits_flagged": float((~answered)[~is_digit].mean()),
        })
    return rows


def kinds_flagged(report: UnsureReport) -> Counter:
    """Share of each kind of non-digit flagged."""
    return Counter({kind: flagged / total for kind, (flagged, total) in report.flagged_by_kind.items()})
