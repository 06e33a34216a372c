"""Photos of digits read right, by kind of damage: `python -m benchmarks.photos [--per-kind N] [--seed S]`.

The photos are generated (`mlcore.photo_set`): MNIST test digits and canvas-style strokes printed
on paper and damaged as phones and scanners do. Each goes the way an upload goes: file bytes,
`decode_picture`, `photo_to_canvas`, `Recognizer.recognize`. A photo refused or read as no digit
counts as wrong.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from mlcore.data import load_mnist  # noqa: E402
from mlcore.image_io import UploadError, decode_picture, photo_to_canvas  # noqa: E402
from mlcore.inference import Recognizer  # noqa: E402
from mlcore.photo_set import KINDS, photo_set  # noqa: E402


def read(recognizer: Recognizer, data: bytes) -> int | None:
    """The digit read from a photo's bytes, or None when it was refused or held no digit."""
    try:
        reading = recognizer.recognize(photo_to_canvas(decode_picture(data)))
    except (UploadError, ValueError):
        return None
    return reading.digit


def main(per_kind: int = 100, seed: int = 2026) -> None:
    mnist = load_mnist()
    recognizer = Recognizer.load()
    photos = photo_set(per_kind, seed, mnist.x_test, mnist.y_test)
    right, seconds = defaultdict(list), []
    for photo in photos:
        start = time.perf_counter()
        right[photo.kind].append(read(recognizer, photo.data) == photo.label)
        seconds.append(time.perf_counter() - start)
    print(f"Generated photos read right ({per_kind} per kind, seed {seed}; half MNIST, half canvas-style)")
    for kind in KINDS:
        print(f"  {kind:<16} {np.mean(right[kind]):7.1%}")
    overall = np.mean([r for kind in KINDS for r in right[kind]])
    print(f"  {'overall':<16} {overall:7.1%}   ({len(photos)} photos; "
          f"p50 {np.median(seconds) * 1000:.1f} ms per photo, file to digit)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2026)
    arguments = parser.parse_args()
    main(arguments.per_kind, arguments.seed)
