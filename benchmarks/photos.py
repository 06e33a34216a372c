"""Photos of digits read right, by kind of damage: `python -m benchmarks.photos [--per-kind N] [--seed S]`.

The photos are generated (`mlcore.photo_set`): MNIST test digits and canvas-style strokes printed
on paper and damaged as phones and scanners do. Each goes the way an upload goes: file bytes,
`decode_picture`, `clean_photo`, `read_single_digit` (as the Draw page reads it). A photo refused
or read as no digit counts as wrong. Two columns: "read right", the model's top digit is the
label; "answered right", that and the page gives it as an answer (no "I don't know": not a
digit, several digits, or texture), which is what a student sees.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from mlcore.data import load_mnist  # noqa: E402
from mlcore.image_io import UploadError, clean_photo, decode_picture  # noqa: E402
from mlcore.inference import Recognition, Recognizer  # noqa: E402
from mlcore.numbers import read_single_digit  # noqa: E402
from mlcore.photo_set import KINDS, photo_set  # noqa: E402


def read(recognizer: Recognizer, data: bytes) -> Recognition | None:
    """The reading of a photo's bytes, or None when it was refused (or is texture)."""
    try:
        cleaned = clean_photo(decode_picture(data))
    except (UploadError, ValueError):
        return None
    return None if cleaned.problem else read_single_digit(recognizer, cleaned.ink)


def main(per_kind: int = 100, seed: int = 2026) -> None:
    mnist = load_mnist()
    recognizer = Recognizer.load()
    photos = photo_set(per_kind, seed, mnist.x_test, mnist.y_test)
    right, answered, seconds = defaultdict(list), defaultdict(list), []
    for photo in photos:
        start = time.perf_counter()
        reading = read(recognizer, photo.data)
        seconds.append(time.perf_counter() - start)
        right[photo.kind].append(reading is not None and reading.digit == photo.label)
        answered[photo.kind].append(right[photo.kind][-1] and reading.is_one_digit)
    print(f"Generated photos ({per_kind} per kind, seed {seed}; half MNIST, half canvas-style)")
    print(f"  {'kind':<16} {'read right':>10} {'answered right':>15}")
    for kind in KINDS:
        print(f"  {kind:<16} {np.mean(right[kind]):10.1%} {np.mean(answered[kind]):15.1%}")
    overall = [np.mean([r for kind in KINDS for r in table[kind]]) for table in (right, answered)]
    print(f"  {'overall':<16} {overall[0]:10.1%} {overall[1]:15.1%}   ({len(photos)} photos; "
          f"p50 {np.median(seconds) * 1000:.1f} ms per photo, file to digit)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2026)
    arguments = parser.parse_args()
    main(arguments.per_kind, arguments.seed)
