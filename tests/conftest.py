import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest

from mlcore.data import load_mnist
from mlcore.inference import Recognizer


@pytest.fixture(scope="session")
def mnist():
    return load_mnist()


@pytest.fixture(scope="session")
def recognizer():
    return Recognizer.load()
