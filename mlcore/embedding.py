"""A 2-D map of the data: principal components of raw pixels or of the network's own features."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np


@dataclass(frozen=True)
class Projection:
    coordinates: np.ndarray
    """(N, components) positions of the points."""
    explained_variance_ratio: np.ndarray
    """Share of the data's variance along each component, largest first."""


def pca(data: np.ndarray, components: int = 2) -> Projection:
    """Principal component analysis by singular value decomposition of the centred data."""
    flat = data.reshape(len(data), -1).astype(np.float64)
    centred = flat - flat.mean(axis=0)
    _, singular_values, directions = np.linalg.svd(centred, full_matrices=False)
    variance = singular_values**2
    return Projection(
        coordinates=centred @ directions[:components].T,
        explained_variance_ratio=variance[:components] / variance.sum(),
    )


def stratified_sample(labels: np.ndarray, per_class: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    picks = [rng.choice(np.flatnonzero(labels == d), per_class, replace=False) for d in range(10)]
    return np.sort(np.concatenate(picks))


def penultimate_features(model: keras.Model, images: np.ndarray, batch_size: int = 100) -> np.ndarray:
    """What the network computes just before its final layer, for uint8 28x28 images."""
    extractor = keras.Model(model.input, model.layers[-2].output)
    batches = (images[start : start + batch_size, ..., None].astype(np.float32) / 255.0
               for start in range(0, len(images), batch_size))
    return np.concatenate([keras.ops.convert_to_numpy(extractor(b, training=False)) for b in batches])


def neighbour_agreement(coordinates: np.ndarray, labels: np.ndarray, k: int = 5) -> float:
    """Share of points whose k nearest other points (Euclidean, in `coordinates` of any dimension)
    mostly carry their label.

    A leave-one-out k-nearest-neighbour vote (ties go to the smaller label): 1.0 when every digit
    forms its own cluster in the map, about 0.1 when ten digits are mixed at random.
    """
    points = np.asarray(coordinates, np.float64).reshape(len(coordinates), -1)
    squares = np.sum(points**2, axis=1)
    distances = squares[:, None] + squares[None, :] - 2 * points @ points.T
    np.fill_diagonal(distances, np.inf)
    neighbours = np.argsort(distances, axis=1, kind="stable")[:, :k]
    votes = np.apply_along_axis(np.bincount, 1, labels[neighbours], minlength=int(labels.max()) + 1)
    return float(np.mean(votes.argmax(axis=1) == labels))
