"""My digits and the class dataset: zip export and import, and SQLite writes and reads.

python -m benchmarks.my_digits
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine

from benchmarks.common import summary, timings_ms
from mlcore import class_dataset
from mlcore.collection import MAX_DIGITS, labelled_drawing
from mlcore.digit_zip import from_zip, to_zip
from mlcore.preprocess import canvas_to_mnist
from mlcore.synthetic import render_digit


def main() -> None:
    rng = np.random.default_rng(0)
    digits = []
    for i in range(MAX_DIGITS):
        canvas = render_digit(i % 10, rng)
        digits.append(labelled_drawing(canvas_to_mnist(canvas), canvas, i % 10, i % 10, "mnist_cnn"))
    data = to_zip(digits)
    print(f"zip of a full collection ({MAX_DIGITS:,} drawings with canvas): {len(data) / 2**20:.2f} MB")
    print(summary("to_zip, 1,000 drawings", timings_ms(lambda: to_zip(digits), repeat=5, warmup=1)))
    print(summary("from_zip, 1,000 drawings", timings_ms(lambda: from_zip(data), repeat=5, warmup=1)))
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'class.sqlite'}")
        class_dataset.ensure_schema(engine)
        x = np.stack([d.image for d in digits[:30]])
        y = np.array([d.label for d in digits[:30]])
        print(summary("add_digits, 30 drawings, one transaction", timings_ms(
            lambda: class_dataset.add_digits(engine, x, y, cap=10**6), repeat=30)))
        big = np.repeat(np.stack([d.image for d in digits]), 20, axis=0)
        class_dataset.clear(engine)
        class_dataset.add_digits(engine, big, np.tile(np.arange(10), len(big) // 10), cap=10**6)
        print(summary(f"counts, {len(big):,} drawings", timings_ms(lambda: class_dataset.counts(engine), repeat=20)))
        print(summary("page of 120, one digit", timings_ms(lambda: class_dataset.page(engine, 3, 120), repeat=20)))
        print(summary(f"export + to_zip, {len(big):,} drawings", timings_ms(
            lambda: to_zip(class_dataset.export(engine)), repeat=3, warmup=1)))


if __name__ == "__main__":
    main()
