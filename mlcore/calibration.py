"""Calibration: making "90 % sure" right about 90 % of the time.

Temperature scaling (Guo et al., "On Calibration of Modern Neural Networks", ICML 2017) divides
the network's logits by one number T > 0 fitted on held-out data to minimise the negative
log-likelihood; T > 1 softens over-confident answers, and the predicted digit never changes.
Expected calibration error (ECE, same paper, after Naeini et al. 2015) is the gap between
confidence and accuracy, averaged over confidence bins weighted by how many answers fall in each.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ECE_BINS = 15
"""Equal-width confidence bins, as in Guo et al. 2017."""
MIN_LOG_T, MAX_LOG_T = np.log(0.05), np.log(20.0)


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise softmax of (N, K) logits divided by `temperature`, as float64."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def negative_log_likelihood(logits: np.ndarray, labels: np.ndarray, temperature: float = 1.0) -> float:
    """Mean cross-entropy (nats) of the labels under softmax(logits / temperature)."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = z - z.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(z).sum(axis=1))
    return float(np.mean(log_norm - z[np.arange(len(z)), labels]))


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The T > 0 minimising the NLL of `labels` (N,) under softmax(`logits` (N, 10) / T).

    The NLL is convex in 1/T, so a golden-section search over log T in [0.05, 20] finds the
    minimum. Raises ValueError for empty or mismatched inputs.
    """
    logits, labels = np.asarray(logits), np.asarray(labels)
    if len(logits) == 0 or len(logits) != len(labels):
        raise ValueError(f"need as many labels as logits, got {len(labels)} and {len(logits)}")
    golden = (np.sqrt(5) - 1) / 2
    lo, hi = MIN_LOG_T, MAX_LOG_T
    a, b = hi - golden * (hi - lo), lo + golden * (hi - lo)
    fa, fb = (negative_log_likelihood(logits, labels, np.exp(x)) for x in (a, b))
    for _ in range(60):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - golden * (hi - lo)
            fa = negative_log_likelihood(logits, labels, np.exp(a))
        else:
            lo, a, fa = a, b, fb
            b = lo + golden * (hi - lo)
            fb = negative_log_likelihood(logits, labels, np.exp(b))
    return float(np.exp((lo + hi) / 2))


@dataclass(frozen=True)
class Reliability:
    """A reliability diagram's bins: mean confidence, accuracy and count in each (NaN if empty)."""

    edges: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray
    count: np.ndarray

    @property
    def ece(self) -> float:
        """Expected calibration error, in [0, 1]."""
        filled = self.count > 0
        weights = self.count[filled] / self.count.sum()
        return float(np.sum(weights * np.abs(self.accuracy[filled] - self.confidence[filled])))

    def rows(self) -> list[dict]:
        """One dict per non-empty bin, for charts."""
        return [
            {"bin_low": float(lo), "bin_high": float(hi), "confidence": float(c), "accuracy": float(a), "count": int(n)}
            for lo, hi, c, a, n in zip(self.edges[:-1], self.edges[1:], self.confidence, self.accuracy, self.count)
            if n > 0
        ]


def reliability(probabilities: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS) -> Reliability:
    """Bin (N, K) probabilities by their top value and compare with how often the top is right."""
    probabilities = np.asarray(probabilities)
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == np.asarray(labels)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    count = np.bincount(which, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.bincount(which, confidence, bins) / count
        mean_acc = np.bincount(which, correct.astype(float), bins) / count
    return Reliability(edges, mean_conf, mean_acc, count)


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS) -> float:
    """ECE of (N, K) probabilities against (N,) labels, in [0, 1]."""
    return reliability(probabilities, labels, bins).ece


def logits_from_probabilities(probabilities: np.ndarray) -> np.ndarray:
    """Logits (up to a per-row constant, which softmax ignores) of softmax outputs."""
    return np.log(np.clip(np.asarray(probabilities, dtype=np.float64), 1e-45, 1.0))
