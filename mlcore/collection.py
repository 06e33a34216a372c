"""A student's own labelled drawings ("My digits"): what the model saw, what they drew, the truth.

Plain data, no Streamlit: the app keeps one `Collection` per session in `st.session_state`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

import cv2
import numpy as np

MAX_DIGITS = 1000
"""Drawings one collection holds (about 5 MB with the canvas pictures)."""


class CollectionFull(ValueError):
    """Adding would take the collection over `MAX_DIGITS`; the message says so, for the user."""


@dataclass(frozen=True)
class LabelledDigit:
    """One drawing with its true label.

    image: (28, 28) uint8, ink = 255: the model's input, MNIST's layout.
    canvas_png: the raw canvas as PNG bytes (b"" when unknown, e.g. from the class dataset).
    label: the digit the student says it is, 0-9.
    predicted: what the model read (None when unknown); model: that model's name ("" when unknown).
    time: when it was labelled, ISO 8601 in UTC ("" when unknown).
    id: a random hex identifier, unique within and across collections.
    """

    image: np.ndarray
    label: int
    canvas_png: bytes = b""
    predicted: int | None = None
    model: str = ""
    time: str = ""
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def __post_init__(self):
        check_image(self.image)
        check_label(self.label)
        if self.predicted is not None:
            check_label(self.predicted)

    @property
    def is_misread(self) -> bool:
        return self.predicted is not None and self.predicted != self.label


def check_image(image: np.ndarray) -> None:
    """Raise ValueError unless `image` is (28, 28) uint8."""
    if not isinstance(image, np.ndarray) or image.shape != (28, 28) or image.dtype != np.uint8:
        raise ValueError("a digit image is a (28, 28) uint8 array")


def check_label(label) -> None:
    """Raise ValueError unless `label` is an int 0-9 (bools and numpy bools are not labels)."""
    if isinstance(label, (bool, np.bool_)) or not isinstance(label, (int, np.integer)) or not 0 <= label <= 9:
        raise ValueError(f"a label is a digit 0-9, not {label!r}")


def model_input_to_uint8(image28: np.ndarray) -> np.ndarray:
    """The model's (28, 28) float input in [0, 1] as MNIST-style uint8 (rounded, clipped)."""
    return np.clip(np.rint(np.asarray(image28, np.float64) * 255), 0, 255).astype(np.uint8)


def canvas_to_png(rgba: np.ndarray) -> bytes:
    """PNG bytes of a canvas image (H, W, 4) uint8 RGBA."""
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(np.ascontiguousarray(rgba, np.uint8), cv2.COLOR_RGBA2BGRA))
    if not ok:
        raise ValueError("the canvas image could not be encoded as PNG")
    return encoded.tobytes()


def labelled_drawing(image28: np.ndarray, canvas_rgba: np.ndarray | None, label: int,
                     predicted: int | None, model: str) -> LabelledDigit:
    """A drawing just labelled on the Draw page, stamped with the current UTC time."""
    return LabelledDigit(
        image=model_input_to_uint8(image28),
        label=int(label),
        canvas_png=b"" if canvas_rgba is None else canvas_to_png(canvas_rgba),
        predicted=None if predicted is None else int(predicted),
        model=model,
        time=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )


def content_key(digit: LabelledDigit) -> tuple[int, bytes]:
    """What makes two drawings the same drawing: the label and the 28x28 pixels (not the id)."""
    return digit.label, np.ascontiguousarray(digit.image).tobytes()


class Collection:
    """An ordered set of `LabelledDigit`s, at most `MAX_DIGITS`, unique by id and by content
    (the same 28x28 pixels with the same label, `content_key`)."""

    def __init__(self, digits: list[LabelledDigit] | None = None, limit: int = MAX_DIGITS):
        self.limit = limit
        self._digits: dict[str, LabelledDigit] = {}
        self._keys: set[tuple[int, bytes]] = set()
        self.add_all(digits or [])

    def __len__(self) -> int:
        return len(self._digits)

    def __iter__(self):
        return iter(list(self._digits.values()))

    def __contains__(self, digit_id: str) -> bool:
        return digit_id in self._digits

    def add(self, digit: LabelledDigit) -> bool:
        """Add one drawing; False when it is here already (same id, or same pixels and label)."""
        return self.add_all([digit]) == 1

    def add_all(self, digits: list[LabelledDigit]) -> int:
        """Add every digit not already here, or none of them; returns how many were new.

        A digit is here already when one with its id, or with its pixels and label, is here (or
        earlier in `digits`). Raises CollectionFull, adding nothing, when the new ones do not all fit.
        """
        new: dict[str, LabelledDigit] = {}
        keys = set(self._keys)
        for digit in digits:
            key = content_key(digit)
            if digit.id not in self._digits and digit.id not in new and key not in keys:
                new[digit.id] = digit
                keys.add(key)
        if len(self._digits) + len(new) > self.limit:
            room = self.limit - len(self._digits)
            raise CollectionFull(f"My digits holds up to {self.limit:,} drawings: there is room for {room:,} "
                                 f"more, and that would add {len(new):,}. Delete some first.")
        self._digits.update(new)
        self._keys = keys
        return len(new)

    def remove(self, digit_id: str) -> bool:
        """Delete one drawing; False when there was none with that id."""
        digit = self._digits.pop(digit_id, None)
        if digit is not None:
            self._keys.discard(content_key(digit))
        return digit is not None

    def clear(self) -> None:
        self._digits.clear()
        self._keys.clear()

    def with_label(self, label: int) -> list[LabelledDigit]:
        return [d for d in self._digits.values() if d.label == label]

    def counts(self) -> np.ndarray:
        """(10,) int64: how many drawings of each digit."""
        return np.bincount([d.label for d in self._digits.values()], minlength=10).astype(np.int64)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """x (N, 28, 28) uint8 and y (N,) uint8, in MNIST's layout, in the order added."""
        digits = list(self._digits.values())
        x = np.stack([d.image for d in digits]) if digits else np.zeros((0, 28, 28), np.uint8)
        return x, np.array([d.label for d in digits], np.uint8)
