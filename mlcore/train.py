"""Train the shipped model: `python -m mlcore.train` (about 20 minutes on 2 CPU cores).

The model is chosen on a validation split of MNIST's training set (the best epoch); the test set
and a separate set of canvas-style digits are only read once, at the end, for the figures that
go in the sidecar.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import keras

from mlcore.data import MNIST_PATH, fingerprint_test_set, load_mnist
from mlcore.inference import Recognizer
from mlcore.model import DEFAULT_MODEL_PATH, Architecture, describe, load_model, save_model
from mlcore.synthetic import canvas_style_digits
from mlcore.training import TrainConfig, train

CANVAS_TRAIN_SEED, CANVAS_VALIDATION_SEED = 1, 2


def parse_args(argv=None) -> argparse.Namespace:
    recipe = TrainConfig()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--epochs", type=int, default=recipe.epochs)
    parser.add_argument("--filters", type=int, default=recipe.arch.filters)
    parser.add_argument("--dense-units", type=int, default=recipe.arch.dense_units)
    parser.add_argument("--batch-size", type=int, default=recipe.batch_size)
    parser.add_argument("--learning-rate", type=float, default=recipe.learning_rate)
    parser.add_argument("--train-fraction", type=float, default=recipe.train_fraction)
    parser.add_argument("--canvas-train", type=int, default=8000,
                        help="canvas-style digits added to the training set")
    parser.add_argument("--canvas-validation", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=recipe.seed)
    parser.add_argument("--start-from", type=Path, default=None,
                        help="fine-tune this saved model instead of training a fresh one")
    return parser.parse_args(argv)


class PrintEpochs(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logging.info("epoch %d: %s (%.0f s)", epoch + 1,
                     ", ".join(f"{k} {v:.4f}" for k, v in logs.items()), time.perf_counter() - self._start)


def main(argv=None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    args = parse_args(argv)
    mnist = load_mnist(MNIST_PATH)
    config = TrainConfig(
        arch=Architecture(filters=args.filters, dense_units=args.dense_units),
        learning_rate=args.learning_rate, batch_size=args.batch_size, epochs=args.epochs,
        train_fraction=args.train_fraction, seed=args.seed,
    )
    canvas_train = canvas_style_digits(args.canvas_train, CANVAS_TRAIN_SEED) if args.canvas_train else None
    start_from = load_model(args.start_from) if args.start_from else None
    result = train(config, mnist, callbacks=[PrintEpochs()], extra_train=canvas_train, model=start_from)
    canvas_x, canvas_y = canvas_style_digits(args.canvas_validation, CANVAS_VALIDATION_SEED)
    trained = Recognizer(result.model)
    figures = {
        "test_accuracy": trained.accuracy(mnist.x_test, mnist.y_test),
        "canvas_validation_accuracy": trained.accuracy(canvas_x, canvas_y),
        "validation_accuracy": result.history["val_accuracy"][result.best_epoch - 1],
    }
    metadata = describe(
        result.model, config.arch, **figures,
        training={**config.as_dict(), "canvas_train_digits": args.canvas_train,
                  "fine_tuned_from": str(args.start_from) if args.start_from else None,
                  "best_epoch": result.best_epoch, "seconds": round(result.seconds, 1),
                  "command": " ".join(["python -m mlcore.train", *(sys.argv[1:] if argv is None else argv)])},
        mnist_test_sha256=fingerprint_test_set(mnist),
        **trained.checks_record(),
    )
    save_model(result.model, args.output, metadata)
    logging.info("saved %s: %s in %.0f s", args.output, figures, result.seconds)


if __name__ == "__main__":
    main()
