"""Fine-tuning the shipped model on 50 "bubble" digits (a style it misreads): what it learns, what it forgets, how long.

python -m benchmarks.fine_tune [runs]
"""

from __future__ import annotations

import statistics
import sys

from mlcore.data import load_mnist
from mlcore.fine_tune import FineTuneConfig, fine_tune
from mlcore.inference import Recognizer
from mlcore.synthetic import outlined_digits


def main(runs: int = 1) -> None:
    mnist, shipped = load_mnist(), Recognizer.load()
    x, y = outlined_digits(50, seed=11)
    fresh_x, fresh_y = outlined_digits(200, seed=12)
    print(f"shipped model: MNIST test {shipped.accuracy(mnist.x_test, mnist.y_test):.2%}, "
          f"200 other bubble digits {shipped.accuracy(fresh_x, fresh_y):.1%}")
    drops, seconds = [], []
    for run in range(runs):
        result = fine_tune(shipped.model, x, y, mnist, FineTuneConfig(seed=run))
        drops.append(100 * (result.before.mnist_test - result.after.mnist_test))
        seconds.append(result.seconds)
        print(f"seed {run}: held-out drawings {result.before.held_out:.0%} -> {result.after.held_out:.0%}, "
              f"200 other bubble digits -> {Recognizer(result.model).accuracy(fresh_x, fresh_y):.1%}, "
              f"MNIST test {result.before.mnist_test:.2%} -> {result.after.mnist_test:.2%} "
              f"({drops[-1]:+.2f} points lost), {result.seconds:.0f} s (training {result.training.seconds:.0f} s)")
    print(f"median over {runs}: {statistics.median(drops):.2f} MNIST points lost, {statistics.median(seconds):.0f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
