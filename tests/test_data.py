import numpy as np
import pytest

from mlcore.data import DatasetError, array_hash, load_mnist, fingerprint_test_set

README_HASHES = {
    "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}


def test_bundled_mnist_is_the_real_one(mnist):
    for name, digest in README_HASHES.items():
        assert array_hash(getattr(mnist, name)) == digest, name
    assert mnist.y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert np.bincount(mnist.y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert mnist.x_train.mean() / 255 == pytest.approx(0.13066, abs=1e-5)


def test_split_by_name(mnist):
    images, labels = mnist.split("test")
    assert images.shape == (10000, 28, 28) and labels.shape == (10000,)
    with pytest.raises(ValueError):
        mnist.split("validation")


def test_missing_file_is_named(tmp_path):
    path = tmp_path / "nowhere.npz"
    with pytest.raises(DatasetError, match="nowhere.npz"):
        load_mnist(path)


def test_damaged_file_is_named(tmp_path):
    path = tmp_path / "broken.npz"
    path.write_bytes(b"PK\x03\x04 this is not really a zip archive")
    with pytest.raises(DatasetError, match="broken.npz"):
        load_mnist(path)


def test_wrong_contents_are_refused(tmp_path, mnist):
    path = tmp_path / "small.npz"
    np.savez(path, x_train=mnist.x_train[:10], y_train=mnist.y_train[:10],
             x_test=mnist.x_test, y_test=mnist.y_test)
    with pytest.raises(DatasetError, match="x_train"):
        load_mnist(path)
    np.savez(path, x_train=mnist.x_train, y_train=mnist.y_train + 5,
             x_test=mnist.x_test, y_test=mnist.y_test)
    with pytest.raises(DatasetError, match="labels outside"):
        load_mnist(path)


def test_test_set_fingerprint_is_stable(mnist):
    assert fingerprint_test_set(mnist) == fingerprint_test_set(load_mnist())
