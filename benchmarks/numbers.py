"""Reading whole numbers: accuracy by layout (gaps, touching, broken, overlapping) and time per number.

A number counts as read when every digit is right and none is missing or extra; an overlapping
pair counts as handled when the answer is "I can't separate these" (any number given is wrong); a
crossed pair, when no number is given (its blob may be named as no one digit instead).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from mlcore.data import load_mnist
from mlcore.inference import Recognizer
from mlcore.number_samples import KINDS, SOURCES, make_number
from mlcore.numbers import read_number
from mlcore.segment import CANT_SEPARATE


def is_right(sample, reading) -> bool:
    if sample.kind == "overlapping":
        return reading.problem is not None and reading.problem.startswith(CANT_SEPARATE)
    if sample.kind == "crossing":  # a blob of two digits: "I can't separate these", or named as no one digit
        return reading.problem is not None
    return reading.text == sample.digits


def samples(mnist, count: int, lengths, seed: int):
    """The benchmark's numbers in order: (kind, source, sample), `count` per kind and source."""
    rng = np.random.default_rng(seed)
    for kind in KINDS:
        for source in SOURCES:
            for k in range(count):
                yield kind, source, make_number(rng, int(lengths[k % len(lengths)]), kind, source,
                                                mnist.x_test, mnist.y_test)


def evaluate(recognizer, mnist, count: int, lengths, seed: int, verbose: bool = False):
    """{(kind, source): (share right, median ms per number)} over `count` numbers per cell."""
    right, times = {}, {}
    for kind, source, sample in samples(mnist, count, lengths, seed):
        start = time.perf_counter()
        reading = read_number(recognizer, sample.rgba)
        times.setdefault((kind, source), []).append((time.perf_counter() - start) * 1000)
        ok = is_right(sample, reading)
        right[kind, source] = right.get((kind, source), 0) + ok
        if verbose and not ok:
            print(f"  {kind:<11} {source:<5} wrote {sample.digits:<6} read {reading.text or reading.problem}")
    return {cell: (right[cell] / count, float(np.median(times[cell]))) for cell in times}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200, help="numbers per layout and source")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lengths", default="4", help="digits per number, e.g. 2,3,4,5,6")
    parser.add_argument("--verbose", action="store_true", help="print every number read wrong")
    args = parser.parse_args()
    recognizer = Recognizer.load()
    lengths = [int(n) for n in args.lengths.split(",")]
    results = evaluate(recognizer, load_mnist(), args.count, lengths, args.seed, args.verbose)
    print(f"Whole numbers read right ({args.count} per row, {args.lengths} digits, seed {args.seed}, 700x250 canvas)")
    print(f"{'layout':<12} {'source':<6} {'right':>7} {'ms/number p50':>14}")
    for (kind, source), (share, ms) in results.items():
        print(f"{kind:<12} {source:<6} {share:>7.1%} {ms:>14.1f}")


if __name__ == "__main__":
    main()
