"""What the pages share. Imports mlcore first, so TensorFlow starts quietly (see mlcore/__init__.py)."""

import mlcore  # noqa: F401
