"""Photos of written numbers read right, by kind of damage: `python -m benchmarks.number_photos`.

Each number is composed as `benchmarks.numbers` composes one (4 digits apart, the "gaps" layout; MNIST
test digits and drawn ones in turn), then printed on paper and damaged as `mlcore.photo_set` does a
digit's photo (shadow, uneven light, blur, JPEG, perspective, a crop into the ink, a small number on a
big page, light ink on a dark board, coloured ink). It is read the way the Write a number page reads
an upload: `decode_picture`, `clean_photo` at the page's 700 px, `read_photo_number`. Each photo's
answer is the number written ("right"), no number ("refused", with a reason on screen) or another
number ("wrong").
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from mlcore.data import load_mnist  # noqa: E402
from mlcore.image_io import UploadError, clean_photo, decode_picture  # noqa: E402
from mlcore.inference import Recognizer  # noqa: E402
from mlcore.number_samples import SOURCES, make_number  # noqa: E402
from mlcore.numbers import NumberReading, read_photo_number  # noqa: E402
from mlcore.photo_set import KINDS, make_photo  # noqa: E402

PAGE_SIDE = 700  # px: the Write a number page cleans an upload at this size (pages/number.py PHOTO_WIDTH)


def read(recognizer: Recognizer, data: bytes) -> NumberReading | None:
    """The page's reading of a photo's bytes, or None when the photo itself was refused."""
    try:
        cleaned = clean_photo(decode_picture(data), side=PAGE_SIDE)
    except (UploadError, ValueError):
        return None
    return None if cleaned.problem else read_photo_number(recognizer, cleaned.canvas, cleaned.marks)


def outcome(digits: str, reading: NumberReading | None) -> str:
    """"right", "refused" (the photo or its number) or "wrong" (another number)."""
    if reading is None or reading.problem is not None or reading.text is None:
        return "refused"
    return "right" if reading.text == digits else "wrong"


def main(count: int, seed: int, verbose: bool) -> None:
    mnist, recognizer = load_mnist(), Recognizer.load()
    rng = np.random.default_rng(seed)
    outcomes, seconds = {kind: Counter() for kind in KINDS}, []
    for kind in KINDS:
        for k in range(count):
            sample = make_number(rng, 4, "gaps", SOURCES[k % 2], mnist.x_test, mnist.y_test)
            data = make_photo(sample.ink.astype(np.float32) / 255, kind, rng)
            start = time.perf_counter()
            reading = read(recognizer, data)
            seconds.append(time.perf_counter() - start)
            result = outcome(sample.digits, reading)
            outcomes[kind][result] += 1
            if verbose and result != "right":
                said = "the photo refused" if reading is None else reading.text or reading.problem[:70]
                print(f"  {kind:<14} {SOURCES[k % 2]:<5} wrote {sample.digits} read {said}")
    print(f"Photos of 4-digit numbers ({count} per kind, seed {seed}; MNIST and drawn digits in turn)")
    print(f"  {'kind':<16} {'right':>8} {'refused':>8} {'wrong':>8}")
    for kind in KINDS:
        print(f"  {kind:<16}" + "".join(f"{outcomes[kind][o] / count:>8.1%}" for o in ("right", "refused", "wrong")))
    total = sum(outcomes.values(), Counter())
    print(f"  {'overall':<16}" + "".join(f"{total[o] / (count * len(KINDS)):>8.1%}" for o in ("right", "refused", "wrong"))
          + f"   (p50 {np.median(seconds) * 1000:.0f} ms per photo, file to number)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=60, help="photos per kind of damage")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--verbose", action="store_true", help="print every photo not read right")
    args = parser.parse_args()
    main(args.count, args.seed, args.verbose)
