"""Timing helpers: medians and percentiles from repeated runs in one process."""

from __future__ import annotations

import time

import numpy as np


def timings_ms(function, repeat: int, warmup: int = 3) -> np.ndarray:
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return np.array(samples)


def summary(name: str, samples_ms: np.ndarray) -> str:
    p50, p95 = np.percentile(samples_ms, [50, 95])
    return f"{name:<44} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms   (n={len(samples_ms)})"
