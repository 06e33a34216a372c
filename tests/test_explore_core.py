"""The numbers behind the explorer page, on the real dataset and on small hand-checked examples."""

import cv2
import numpy as np

from mlcore.dataset_stats import class_counts, mean_images, pixel_statistics
from mlcore.embedding import neighbour_agreement, pca, penultimate_features, stratified_sample
from mlcore.evaluation import confusion_matrix, largest_confusions, mistakes, per_class_accuracy
from mlcore.gallery import CAPTION, CELL, compose_grid, matching_indices, page_count, page_of


def test_class_counts_match_the_dataset_readme(mnist):
    assert class_counts(mnist.y_train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


def test_mean_image_is_the_pixelwise_average(mnist):
    means = mean_images(mnist.x_train, mnist.y_train)
    assert means.shape == (10, 28, 28) and means.dtype == np.float32
    threes = mnist.x_train[mnist.y_train == 3].astype(np.float64) / 255
    np.testing.assert_allclose(means[3], threes.mean(axis=0), atol=1e-6)
    stats = pixel_statistics(mnist.x_train)
    assert abs(stats["mean"] - 0.13066) < 1e-5 and abs(stats["std"] - 0.30811) < 1e-5


def test_confusion_matrix_against_a_hand_computed_one():
    true = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2])
    predicted = np.array([0, 1, 1, 1, 2, 2, 2, 0, 2])
    expected = np.zeros((3, 3), dtype=int)
    expected[0] = [1, 1, 0]
    expected[1] = [0, 2, 1]
    expected[2] = [1, 0, 3]
    confusion = confusion_matrix(true, predicted, classes=3)
    np.testing.assert_array_equal(confusion, expected)
    np.testing.assert_allclose(per_class_accuracy(confusion), [1 / 2, 2 / 3, 3 / 4])
    assert largest_confusions(confusion, 2) == [(0, 1, 1), (1, 2, 1)]


def test_mistakes_are_the_chosen_cell_most_confident_first():
    true = np.array([4, 4, 4, 4, 9])
    probabilities = np.zeros((5, 10))
    probabilities[0, 9], probabilities[0, 4] = 0.6, 0.4
    probabilities[1, 4] = 1.0
    probabilities[2, 9], probabilities[2, 4] = 0.9, 0.1
    probabilities[3, 9], probabilities[3, 4] = 0.55, 0.45
    probabilities[4, 9] = 1.0
    assert mistakes(true, probabilities, 4, 9).tolist() == [2, 0, 3]
    assert mistakes(true, probabilities, 9, 4).tolist() == []


def test_pca_shape_and_variance_order(mnist, recognizer):
    chosen = stratified_sample(mnist.y_test, 50)
    assert np.bincount(mnist.y_test[chosen]).tolist() == [50] * 10
    projection = pca(mnist.x_test[chosen], components=3)
    assert projection.coordinates.shape == (500, 3)
    ratios = projection.explained_variance_ratio
    assert np.all(np.diff(ratios) <= 0) and 0 < ratios.sum() < 1
    assert np.all(np.diff(projection.coordinates.var(axis=0)) <= 0)
    features = penultimate_features(recognizer.model, mnist.x_test[chosen])
    assert features.shape == (500, 128)


def test_gallery_paging_and_one_composed_picture(mnist):
    threes = matching_indices(mnist.y_test, 3)
    assert len(threes) == 1010 and page_count(len(threes), 100) == 11
    assert page_of(threes, 10, 100).tolist() == threes[1000:].tolist()
    assert page_of(threes, 99, 100).tolist() == threes[1000:].tolist()
    grid = compose_grid(mnist.x_test[threes[:100]], [str(i) for i in threes[:100]], columns=20)
    assert grid.shape == (5 * (CELL + CAPTION), 20 * CELL, 3) and grid.dtype == np.uint8
    first = cv2.resize(mnist.x_test[threes[0]], (CELL - 2, CELL - 2), interpolation=cv2.INTER_NEAREST)
    np.testing.assert_array_equal(grid[1 : CELL - 1, 1 : CELL - 1, 0], first)
    assert first[0, 0] == 0, "white ink on a black background, like every other view"


def test_neighbour_agreement_tells_clusters_from_a_mix():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 20)
    clusters = np.array([[0, 0], [10, 0], [0, 10]])[labels] + rng.normal(0, 0.5, (60, 2))
    assert neighbour_agreement(clusters, labels) == 1.0
    assert neighbour_agreement(rng.normal(0, 1, (60, 2)), labels) < 0.7
