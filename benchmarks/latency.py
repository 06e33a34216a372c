"""Canvas-to-prediction latency: `Recognizer.recognize` on a 280x280 canvas vs `model.predict`."""

from __future__ import annotations

import numpy as np

from benchmarks.common import summary, timings_ms
from mlcore.inference import Recognizer
from mlcore.preprocess import canvas_to_mnist
from mlcore.synthetic import render_digit


def main() -> None:
    recognizer = Recognizer.load()
    canvas = render_digit(7, np.random.default_rng(0))
    model_input = canvas_to_mnist(canvas).reshape(1, 28, 28, 1)

    recognize = timings_ms(lambda: recognizer.recognize(canvas), repeat=500)
    preprocess = timings_ms(lambda: canvas_to_mnist(canvas), repeat=500)
    predict = timings_ms(lambda: recognizer.model.predict(model_input, verbose=0), repeat=50)

    print("Canvas-to-prediction latency (280x280 RGBA canvas, one process, CPU)")
    print(summary("Recognizer.recognize (preprocess + model)", recognize))
    print(summary("  of which preprocessing", preprocess))
    print(summary("model.predict (model only)", predict))
    print(f"speed-up of recognize over model.predict at p50: "
          f"{np.median(predict) / np.median(recognize):.0f}x")


if __name__ == "__main__":
    main()
