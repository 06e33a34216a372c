"""Inside the network: all layers' outputs for one drawing (target: p50 <= 30 ms on 2 cores),
saliency maps and one robustness sweep, on the shipped model."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from benchmarks.common import summary, timings_ms
from mlcore.activations import ActivationProbe
from mlcore.inference import Recognizer
from mlcore.model import Architecture, build_model
from mlcore.preprocess import canvas_to_mnist
from mlcore.robustness import SWEEPS, sweep_one
from mlcore.saliency import Saliency
from mlcore.synthetic import render_digit


def main() -> None:
    recognizer = Recognizer.load()
    image = canvas_to_mnist(render_digit(3, np.random.default_rng(0)))
    probe = ActivationProbe(recognizer.model)
    saliency = Saliency(recognizer.model)
    mlp_probe = ActivationProbe(build_model(Architecture(conv_blocks=0, dense_units=128, batch_norm=False)))

    print("Inside the network, one 28x28 drawing, shipped model (one process, CPU)")
    print(summary("all layers' outputs (ActivationProbe)", timings_ms(lambda: probe(image), repeat=200)))
    print(summary("  the same for a 128-unit MLP", timings_ms(lambda: mlp_probe(image), repeat=200)))
    print(summary("Grad-CAM, answer + runner-up", timings_ms(lambda: saliency.gradcam(image, [3, 5]), repeat=50)))
    print(summary("integrated gradients, answer + runner-up",
                  timings_ms(lambda: saliency.integrated_gradients(image, [3, 5]), repeat=20)))
    print(summary("rotation sweep (25 images)",
                  timings_ms(lambda: sweep_one(recognizer.predict_batch, image, SWEEPS["rotation"]), repeat=20)))


if __name__ == "__main__":
    main()
