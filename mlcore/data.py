"""The bundled MNIST: loading, checking, and a fingerprint of the test set."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MNIST_PATH = PROJECT_ROOT / "data" / "mnist.npz"

_EXPECTED = {
    "x_train": (60000, 28, 28),
    "y_train": (60000,),
    "x_test": (10000, 28, 28),
    "y_test": (10000,),
}


class DatasetError(RuntimeError):
    """The dataset file is missing or is not the MNIST this app expects."""


@dataclass(frozen=True)
class Mnist:
    """MNIST in the Keras layout: uint8 images (0 = background), uint8 labels 0-9."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        if name not in ("train", "test"):
            raise ValueError(f"unknown split {name!r}: use 'train' or 'test'")
        return (self.x_train, self.y_train) if name == "train" else (self.x_test, self.y_test)


def load_mnist(path: Path | str = MNIST_PATH) -> Mnist:
    """Load and check the MNIST archive at `path`; raise DatasetError naming it if it is unusable."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"MNIST file not found: {path}. The app ships it as data/mnist.npz.")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in _EXPECTED if name in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise DatasetError(f"MNIST file {path} is damaged or not an .npz archive: {error}") from error
    _check(arrays, path)
    return Mnist(**arrays)


def _check(arrays: dict[str, np.ndarray], path: Path) -> None:
    for name, shape in _EXPECTED.items():
        if name not in arrays:
            raise DatasetError(f"MNIST file {path} has no array {name!r}.")
        array = arrays[name]
        if array.shape != shape or array.dtype != np.uint8:
            raise DatasetError(
                f"MNIST file {path}: {name} is {array.dtype}{array.shape}, expected uint8{shape}."
            )
    for name in ("y_train", "y_test"):
        if arrays[name].max() > 9:
            raise DatasetError(f"MNIST file {path}: {name} has labels outside 0-9.")


def array_hash(array: np.ndarray) -> str:
    """sha256 of the array's bytes, as the dataset README lists them."""
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def fingerprint_test_set(mnist: Mnist) -> str:
    """One fingerprint for the test images and labels, recorded in every model's sidecar."""
    return hashlib.sha256((array_hash(mnist.x_test) + array_hash(mnist.y_test)).encode()).hexdigest()
