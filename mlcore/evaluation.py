"""How a model does on a labelled set: accuracy, confusion matrix, its most confident mistakes."""

from __future__ import annotations

import numpy as np


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, classes: int = 10) -> np.ndarray:
    """counts[t, p] = how many images of digit t were read as p."""
    counts = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(counts, (true, predicted), 1)
    return counts


def overall_accuracy(confusion: np.ndarray) -> float:
    return float(np.trace(confusion) / confusion.sum())


def per_class_accuracy(confusion: np.ndarray) -> np.ndarray:
    totals = confusion.sum(axis=1)
    return np.divide(np.diag(confusion), totals, out=np.zeros(len(totals)), where=totals > 0)


def mistakes(true: np.ndarray, probabilities: np.ndarray, true_digit: int, predicted_digit: int) -> np.ndarray:
    """Indices of images of `true_digit` read as `predicted_digit`, most confident first."""
    predicted = probabilities.argmax(axis=1)
    chosen = np.flatnonzero((true == true_digit) & (predicted == predicted_digit))
    confidence = probabilities[chosen, predicted_digit]
    return chosen[np.argsort(-confidence, kind="stable")]


def largest_confusions(confusion: np.ndarray, count: int = 5) -> list[tuple[int, int, int]]:
    """The `count` most frequent (true, predicted, how many) mistakes."""
    off_diagonal = confusion.copy()
    np.fill_diagonal(off_diagonal, 0)
    order = np.argsort(-off_diagonal, axis=None, kind="stable")[:count]
    pairs = [np.unravel_index(i, confusion.shape) for i in order]
    return [(int(t), int(p), int(off_diagonal[t, p])) for t, p in pairs if off_diagonal[t, p] > 0]
