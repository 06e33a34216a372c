"""Reading whole numbers: accuracy by layout (gaps, touching, broken, overlapping) and time per number.

Each number's answer is one of three, as the page shows it (`NumberReading.shown_text`): the number
written ("right": every digit right, none missing or extra), no number ("refused": a problem on
screen, or a "?" for a mark like no digit, "12?4"), or another number ("wrong"). The goal is "right"
for gaps, touching pairs and broken strokes, and for overlapping and crossed pairs no "wrong": "I
can't separate these" for an overlapping pair (another refusal counts as "refused otherwise"), any
refusal for a crossed pair (its blob may be named as no one digit instead).

Each number is read as the canvas reads it: no dot was tapped, and the pen's strokes are known, one
stroke per digit (`NumberSample.layers`; a drawn digit's own strokes would be finer, an MNIST digit
has none). `--ink-only` reads the ink alone, as with no strokes known.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from mlcore.data import load_mnist
from mlcore.inference import Recognizer
from mlcore.number_samples import KINDS, SOURCES, make_number
from mlcore.numbers import read_number
from mlcore.pen_taps import Stroke
from mlcore.segment import CANT_SEPARATE


def outcome(sample, reading) -> str:
    """"right", "wrong" (another number), "refused" ("I can't separate these" for an overlapping
    pair, any refusal otherwise, or a "?" shown for a mark like no digit) or "refused otherwise" (an
    overlapping pair refused another way)."""
    if reading.problem is None:
        shown = reading.shown_text
        return "right" if shown == sample.digits else "refused" if "?" in shown else "wrong"
    if sample.kind == "overlapping" and not reading.problem.startswith(CANT_SEPARATE):
        return "refused otherwise"
    return "refused"


OUTCOMES = ("right", "refused", "refused otherwise", "wrong")


def read_alone(recognizer, sample) -> bool:
    """Whether every digit of `sample`, with the others' ink taken away (`NumberSample.owners`),
    reads right on its own: what the reader gets with no digit to separate, a ceiling for "right" set
    by reading the digits rather than finding them. (Not for broken strokes: a broken digit alone,
    with no neighbours to tell the line's height, is cut up worse than in its number.)"""
    for k, digit in enumerate(sample.digits, start=1):
        rgba = sample.rgba.copy()
        rgba[..., :3][sample.owners != k] = 0
        reading = read_number(recognizer, rgba, taps=[])
        if reading.problem is not None or reading.shown_text != digit:
            return False
    return True


def digit_strokes(sample) -> list[Stroke]:
    """Each digit of `sample` as one pen stroke (`NumberSample.layers`)."""
    return [stroke for stroke in map(Stroke.from_mask, sample.layers) if stroke is not None]


def samples(mnist, count: int, lengths, seed: int):
    """The benchmark's numbers in order: (kind, source, sample), `count` per kind and source."""
    rng = np.random.default_rng(seed)
    for kind in KINDS:
        for source in SOURCES:
            for k in range(count):
                yield kind, source, make_number(rng, int(lengths[k % len(lengths)]), kind, source,
                                                mnist.x_test, mnist.y_test)


def evaluate(recognizer, mnist, count: int, lengths, seed: int, verbose: bool = False, alone: bool = False,
             strokes: bool = True):
    """{(kind, source): ({outcome: share of the numbers}, median ms per number)}, `count` numbers per
    cell; with `alone`, the outcomes also hold "alone right" (`read_alone`); with `strokes`, each
    digit's ink is passed as one pen stroke."""
    outcomes, times = {}, {}
    for kind, source, sample in samples(mnist, count, lengths, seed):
        start = time.perf_counter()
        reading = read_number(recognizer, sample.rgba, taps=[],  # as on the canvas: no dot was tapped...
                              strokes=digit_strokes(sample) if strokes else None)  # ...and the strokes are known
        times.setdefault((kind, source), []).append((time.perf_counter() - start) * 1000)
        result = outcome(sample, reading)
        cell = outcomes.setdefault((kind, source), dict.fromkeys(OUTCOMES, 0))
        cell[result] += 1
        if alone and kind in ("gaps", "touching"):
            cell["alone right"] = cell.get("alone right", 0) + read_alone(recognizer, sample)
        if verbose and result != ("refused" if kind in ("overlapping", "crossing") else "right"):
            print(f"  {kind:<11} {source:<5} wrote {sample.digits:<6} read {reading.shown_text or reading.problem}")
    return {cell: ({k: n / count for k, n in outcomes[cell].items()}, float(np.median(times[cell])))
            for cell in times}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200, help="numbers per layout and source")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lengths", default="4", help="digits per number, e.g. 2,3,4,5,6")
    parser.add_argument("--verbose", action="store_true", help="print every number read wrong")
    parser.add_argument("--alone", action="store_true",
                        help="also read each digit on its own (5 times slower): the share right with nothing to separate")
    parser.add_argument("--ink-only", action="store_true", help="read the ink alone, not knowing the pen's strokes")
    args = parser.parse_args()
    recognizer = Recognizer.load()
    lengths = [int(n) for n in args.lengths.split(",")]
    results = evaluate(recognizer, load_mnist(), args.count, lengths, args.seed, args.verbose, args.alone,
                       strokes=not args.ink_only)
    columns = OUTCOMES + (("alone right",) if args.alone else ())
    known = "ink only" if args.ink_only else "strokes known, one per digit"
    print(f"Whole numbers ({args.count} per row, {args.lengths} digits, seed {args.seed}, 700x250 canvas, {known})")
    print(f"{'layout':<12} {'source':<6}" + "".join(f"{k:>18}" for k in columns) + f"{'ms/number p50':>15}")
    for (kind, source), (shares, ms) in results.items():
        figures = "".join(f"{shares[k]:>18.1%}" if k in shares else f"{'':>18}" for k in columns)
        print(f"{kind:<12} {source:<6}" + figures + f"{ms:>15.1f}")


if __name__ == "__main__":
    main()
