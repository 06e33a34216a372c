"""The networks: building them from a few settings, saving and loading them with their metadata.

Every saved model is a `.keras` file with a JSON sidecar next to it (`name.keras` and
`name.json`). Both are written to a temporary file first and renamed into place, so a crash
half-way never leaves a half-written model where the app would load it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import keras
from keras import layers

from mlcore.data import PROJECT_ROOT

MODELS_DIR = PROJECT_ROOT / "models"
DEFAULT_MODEL_PATH = MODELS_DIR / "mnist_cnn.keras"
INPUT_SHAPE = (28, 28, 1)


class ModelError(RuntimeError):
    """A model file is missing, damaged, or not a model this app can use."""


@dataclass(frozen=True)
class Architecture:
    """The settings that define a network; `conv_blocks=0` gives a plain multi-layer perceptron."""

    conv_blocks: int = 2
    filters: int = 32
    dense_units: int = 128
    dropout: float = 0.4
    batch_norm: bool = True

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def build_model(arch: Architecture = Architecture(), name: str = "mnist_cnn") -> keras.Model:
    """A VGG-style CNN: each block is two 3x3 convolutions and a 2x2 max-pool, filters doubling."""
    inputs = keras.Input(INPUT_SHAPE, name="image")
    x = inputs
    for block in range(arch.conv_blocks):
        filters = arch.filters * 2**block
        for _ in range(2):
            x = layers.Conv2D(filters, 3, padding="same", use_bias=not arch.batch_norm)(x)
            x = _activation(x, arch.batch_norm)
        x = layers.MaxPooling2D()(x)
        x = layers.Dropout(arch.dropout / 4)(x)
    x = layers.Flatten()(x)
    if arch.dense_units:
        x = layers.Dense(arch.dense_units, use_bias=not arch.batch_norm)(x)
        x = _activation(x, arch.batch_norm)
        x = layers.Dropout(arch.dropout)(x)
    outputs = layers.Dense(10, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=name)


def _activation(x, batch_norm: bool):
    if batch_norm:
        x = layers.BatchNormalization(momentum=0.9)(x)
    return layers.ReLU()(x)


def layer_table(model: keras.Model) -> list[dict]:
    """One row per layer: name, type, output shape and parameter count."""
    return [
        {
            "layer": layer.name,
            "type": type(layer).__name__,
            "output shape": str(tuple(layer.output.shape[1:])),
            "parameters": layer.count_params(),
        }
        for layer in model.layers
    ]


def saved_model_path(name: str, directory: Path = MODELS_DIR) -> Path:
    """Where a user-named model is saved: a safe file name, never the shipped model, never an existing one."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "_", name.strip()).strip("_")[:40]
    if not cleaned:
        raise ValueError("Give the model a name made of letters, digits, - or _.")
    path = directory / f"{cleaned}.keras"
    if path.resolve() == DEFAULT_MODEL_PATH.resolve():
        raise ValueError(f"{cleaned} is the shipped model's name; choose another.")
    if path.exists():
        raise ValueError(f"A model called {cleaned} is already saved; choose another name.")
    return path


def model_bytes(model: keras.Model) -> bytes:
    """The model as the bytes of a .keras file, for downloading."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"{model.name}.keras"
        model.save(path)
        return path.read_bytes()


def sidecar_path(model_path: Path | str) -> Path:
    return Path(model_path).with_suffix(".json")


def describe(model: keras.Model, arch: Architecture, **facts) -> dict:
    """The sidecar's content: what the model is, how it was made, what it scores."""
    return {
        "name": model.name,
        "architecture": arch.as_dict(),
        "layers": layer_table(model),
        "parameters": model.count_params(),
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "keras_version": keras.__version__,
        **facts,
    }


def save_model(model: keras.Model, path: Path | str, metadata: dict) -> Path:
    """Write `model` and its sidecar atomically; the sidecar records the model file's sha256."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"model files end in .keras, got {path.name}")
    path.parent.mkdir(parents=True, exist_ok=True)
    staged_model = _temporary_path(path)
    try:
        model.save(staged_model)
        _write_sidecar(path, metadata, staged_model)
        os.replace(staged_model, path)
    finally:
        staged_model.unlink(missing_ok=True)
    return path


def replace_sidecar(path: Path | str, metadata: dict) -> Path:
    """Write `metadata` as the sidecar of the model at `path` (atomically), keeping the model
    file's recorded sha256. Raises ModelError when the model file is missing."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    return _write_sidecar(path, metadata, path)


def _write_sidecar(path: Path, metadata: dict, model_file: Path) -> Path:
    """Write `metadata`, with `model_file`'s sha256, atomically as the sidecar of the model at `path`."""
    metadata = {**metadata, "model_sha256": _file_sha256(model_file)}
    _write_atomically(sidecar_path(path), json.dumps(metadata, indent=2).encode())
    return sidecar_path(path)


def load_model(path: Path | str | None = None) -> keras.Model:
    """Load a `.keras` file with Keras safe mode on.

    Raises ModelError naming the file when it is missing, damaged (not a zip archive, a failed
    CRC, no config or weights inside, or anything Keras cannot rebuild), or maps the wrong shapes.
    """
    path = Path(path or DEFAULT_MODEL_PATH)
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    _check_archive(path)
    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as error:  # Keras raises many kinds of error on a damaged archive; all mean the same here
        raise ModelError(f"model file {path} is damaged or not a Keras model ({type(error).__name__}).") from error
    if tuple(model.input_shape[1:]) != INPUT_SHAPE or tuple(model.output_shape[1:]) != (10,):
        raise ModelError(
            f"model {path.name} maps {model.input_shape[1:]} to {model.output_shape[1:]}, "
            f"expected {INPUT_SHAPE} to 10 probabilities"
        )
    return model


def _check_archive(path: Path) -> None:
    """A .keras file is a zip archive holding config.json and model.weights.h5, every CRC right."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            broken = archive.testzip()
    except (OSError, zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, RuntimeError) as error:
        raise ModelError(f"model file {path} is damaged: it is not a readable .keras (zip) archive.") from error
    if broken is not None:
        raise ModelError(f"model file {path} is damaged: {broken} inside it fails its checksum.")
    missing = sorted({"config.json", "model.weights.h5"} - names)
    if missing:
        raise ModelError(f"model file {path} is damaged or not a Keras model: it has no {' or '.join(missing)}.")


SIDECAR_FIELDS = {
    "name": str, "architecture": dict, "layers": list, "parameters": int, "created": str,
    "keras_version": str, "test_accuracy": float, "canvas_validation_accuracy": float,
    "validation_accuracy": float, "training": dict, "mnist_test_sha256": str, "model_sha256": str,
}
"""The sidecar fields the app reads, with their types; a field of another type is dropped."""
MAX_SIDECAR_BYTES = 1024 * 1024


def read_metadata(path: Path | str | None = None) -> dict | None:
    """The model's sidecar, or None when it is missing, unreadable, not a JSON object, or of another file.

    The sidecar is data from disk: anything but an object is ignored, and a known field holding
    the wrong type (see SIDECAR_FIELDS) is dropped.
    """
    path = Path(path or DEFAULT_MODEL_PATH)
    try:
        with open(sidecar_path(path), "rb") as file:
            text = file.read(MAX_SIDECAR_BYTES + 1)
        if len(text) > MAX_SIDECAR_BYTES:
            return None
        metadata = json.loads(text)
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(metadata, dict):
        return None
    metadata = {key: value for key, value in metadata.items() if _has_its_type(key, value)}
    if metadata.get("model_sha256") not in (None, _file_sha256(path)):
        return None
    return metadata


def _has_its_type(key: str, value) -> bool:
    expected = SIDECAR_FIELDS.get(key)
    if expected is None:
        return True
    if expected is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


def _temporary_path(path: Path) -> Path:
    handle, name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(handle)
    os.chmod(name, 0o644)
    return Path(name)


def _write_atomically(path: Path, content: bytes) -> None:
    staged = _temporary_path(path)
    try:
        staged.write_bytes(content)
        os.replace(staged, path)
    finally:
        staged.unlink(missing_ok=True)


def _file_sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
