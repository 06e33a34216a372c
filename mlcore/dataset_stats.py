"""What MNIST looks like in numbers: class counts, pixel statistics, the average of each digit."""

from __future__ import annotations

import numpy as np


def class_counts(labels: np.ndarray) -> np.ndarray:
    return np.bincount(labels, minlength=10)


def mean_images(images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """(10, 28, 28) float32 in [0, 1]: the pixel-wise average of every digit."""
    sums = np.zeros((10, *images.shape[1:]), dtype=np.float64)
    np.add.at(sums, labels, images)
    return (sums / class_counts(labels)[:, None, None] / 255.0).astype(np.float32)


def pixel_statistics(images: np.ndarray) -> dict[str, float]:
    """Mean and spread of pixel values in [0, 1], and how much of an image is ink."""
    pixels = images.reshape(len(images), -1)
    return {
        "mean": float(pixels.mean() / 255.0),
        "std": float(pixels.std(dtype=np.float64) / 255.0),
        "background share": float(np.mean(pixels == 0)),
        "full-ink share": float(np.mean(pixels == 255)),
        "ink pixels per image": float(np.mean(np.count_nonzero(pixels > 127, axis=1))),
    }


def intensity_histogram(images: np.ndarray, bins: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Counts of non-background pixel values (zeros dominate and would hide the rest)."""
    values = images[images > 0]
    return np.histogram(values, bins=bins, range=(1, 255))
