"""What the pages share. Imports mlcore first, so TensorFlow starts quietly (see mlcore/__init__.py)."""

import importlib

importlib.import_module("mlcore")  # for its side effect: TensorFlow's start-up logging set quiet
