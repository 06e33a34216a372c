"""Fit a model's checks again and write them into its sidecar: `python -m mlcore.refit_checks PATH`.

For a model saved before the checks changed (`mlcore.novelty`): the calibration and the novelty
check are fitted on the reference digits (`inference.reference_digits`, a few seconds) and replace
the sidecar's `calibration` and `novelty`; every other field, and the model file, stay as they are.
The sidecar is written atomically.
"""

from __future__ import annotations

import argparse
import json

from mlcore.inference import Recognizer
from mlcore.model import load_model, read_metadata, replace_sidecar


def refit_checks(path) -> dict:
    """Fit the checks of the model at `path` again and store them; returns the new sidecar.

    Raises ModelError when the model cannot be loaded, ValueError when it has no sidecar.
    """
    metadata = read_metadata(path)
    if metadata is None:
        raise ValueError(f"{path} has no sidecar of its own to update")
    fresh = {key: value for key, value in metadata.items() if key not in ("calibration", "novelty")}
    recognizer = Recognizer(load_model(path), fresh, path)
    updated = {**fresh, **recognizer.checks_record()}
    replace_sidecar(path, updated)
    return updated


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", help="a .keras model with a sidecar beside it")
    args = parser.parse_args(argv)
    updated = refit_checks(args.path)
    novelty = updated.get("novelty", {})
    print(json.dumps({"calibration": updated["calibration"], "novelty threshold": novelty.get("threshold")}))


if __name__ == "__main__":
    main()
