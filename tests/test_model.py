import json
import zipfile

import numpy as np
import pytest

from mlcore import model as model_io
from mlcore.data import fingerprint_test_set
from mlcore.inference import Recognizer
from mlcore.model import (DEFAULT_MODEL_PATH, Architecture, ModelError, build_model, describe,
                          load_model, read_metadata, save_model, sidecar_path)


@pytest.fixture(scope="module")
def small_model():
    return build_model(Architecture(conv_blocks=1, filters=4, dense_units=16), name="small")


def test_save_and_load_round_trip(tmp_path, small_model, mnist):
    path = save_model(small_model, tmp_path / "small.keras",
                      describe(small_model, Architecture(conv_blocks=1, filters=4, dense_units=16)))
    loaded = load_model(path)
    images = mnist.x_test[:32, ..., None] / 255.0
    np.testing.assert_allclose(loaded.predict(images, verbose=0), small_model.predict(images, verbose=0), atol=1e-6)
    metadata = read_metadata(path)
    assert metadata["parameters"] == small_model.count_params()
    assert metadata["architecture"]["filters"] == 4
    assert [row["type"] for row in metadata["layers"]][0] == "InputLayer"


def test_failed_save_leaves_the_previous_model_intact(tmp_path, small_model, monkeypatch):
    path = save_model(small_model, tmp_path / "kept.keras", {"version": 1})
    before = path.read_bytes()

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(model_io.os, "replace", crash)
    with pytest.raises(OSError):
        save_model(build_model(Architecture(conv_blocks=0, dense_units=8)), path, {"version": 2})
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert json.loads(sidecar_path(path).read_text())["version"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.json", "kept.keras"]
    assert load_model(path).count_params() == small_model.count_params()


def test_missing_model_file_is_named(tmp_path):
    with pytest.raises(ModelError, match="absent.keras"):
        load_model(tmp_path / "absent.keras")


def test_damaged_model_file_is_refused(tmp_path):
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(DEFAULT_MODEL_PATH.read_bytes()[:5000])
    with pytest.raises(ModelError, match="truncated.keras"):
        load_model(truncated)
    garbage = tmp_path / "garbage.keras"
    garbage.write_bytes(b"\x00" * 1000)
    with pytest.raises(ModelError, match="garbage.keras"):
        load_model(garbage)


def test_sidecar_of_another_file_is_ignored(tmp_path, small_model):
    path = save_model(small_model, tmp_path / "m.keras", {"test_accuracy": 0.5})
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("extra.txt", "changed after the sidecar was written")
    assert read_metadata(path) is None


def test_shipped_model_scores_at_least_99_5_percent_on_the_test_set(recognizer, mnist):
    assert recognizer.accuracy(mnist.x_test, mnist.y_test) >= 0.995


def test_shipped_model_sidecar_describes_it(mnist):
    metadata = read_metadata(DEFAULT_MODEL_PATH)
    assert metadata is not None, "the shipped sidecar is missing or does not match the model file"
    assert metadata["mnist_test_sha256"] == fingerprint_test_set(mnist)
    assert metadata["parameters"] == Recognizer.load().model.count_params()
    for key in ("test_accuracy", "canvas_validation_accuracy", "training", "created", "layers"):
        assert key in metadata


@pytest.fixture(scope="module")
def saved_small_model(tmp_path_factory, small_model):
    path = tmp_path_factory.mktemp("models") / "small.keras"
    return save_model(small_model, path, describe(small_model, Architecture(conv_blocks=1, filters=4, dense_units=16)))


@pytest.mark.parametrize("sidecar", ["[1, 2]", "null", '"text"', "3", "{", "\xff\xfe", "[" * 100_000])
def test_issue10_row5_a_sidecar_that_is_not_an_object_loads_the_model_without_metadata(saved_small_model, sidecar):
    sidecar_path(saved_small_model).write_bytes(sidecar.encode("utf-8", "surrogateescape"))
    recognizer = Recognizer.load(saved_small_model)
    assert recognizer.metadata is None
    assert recognizer.model.count_params() == load_model(saved_small_model).count_params()


def test_a_sidecar_field_of_the_wrong_type_is_dropped(saved_small_model):
    sidecar_path(saved_small_model).write_text(json.dumps({"test_accuracy": "high", "name": "small", "parameters": True}))
    assert read_metadata(saved_small_model) == {"name": "small"}


@pytest.mark.parametrize("content,reason", [
    (b"not a zip at all", "not a readable .keras"),
    (b"PK\x03\x04" + b"\x00" * 200, "not a readable .keras"),
])
def test_issue10_row6_a_damaged_or_non_zip_keras_file_is_called_damaged(tmp_path, content, reason):
    path = tmp_path / "broken.keras"
    path.write_bytes(content)
    with pytest.raises(ModelError, match=reason) as error:
        load_model(path)
    assert "damaged" in str(error.value) and "broken.keras" in str(error.value)
    assert "File not found" not in str(error.value)


def test_a_keras_zip_with_a_flipped_byte_or_a_missing_part_is_called_damaged(tmp_path):
    whole = DEFAULT_MODEL_PATH.read_bytes()
    flipped = tmp_path / "flipped.keras"
    flipped.write_bytes(whole[:2000] + bytes([whole[2000] ^ 0xFF]) + whole[2001:])
    with pytest.raises(ModelError, match="flipped.keras is damaged"):
        load_model(flipped)
    partial = tmp_path / "partial.keras"
    with zipfile.ZipFile(DEFAULT_MODEL_PATH) as source, zipfile.ZipFile(partial, "w") as target:
        target.writestr("config.json", source.read("config.json"))
    with pytest.raises(ModelError, match="partial.keras is damaged or not a Keras model: it has no model.weights.h5"):
        load_model(partial)
