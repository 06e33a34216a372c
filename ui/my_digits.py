"""This session's My digits collection, and which of its drawings the class dataset holds."""

from __future__ import annotations

import numpy as np
import streamlit as st

from mlcore import class_dataset
from mlcore.collection import Collection, LabelledDigit
from ui.class_dataset import class_dataset_engine

MY_DIGITS = "my_digits"


def my_digits() -> Collection:
    """The drawings this session labelled (or imported from a zip); gone when the session ends."""
    return st.session_state.setdefault(MY_DIGITS, Collection())


def not_in_class_dataset(digits: list[LabelledDigit]) -> list[LabelledDigit]:
    """Those of `digits` the class dataset does not hold now (same pixels and label), asked of the
    database itself, not remembered: a teacher may have cleared it, or another session added the same
    drawings from a zip. Raises ClassDatasetError when the database cannot be used."""
    if not digits:
        return []
    held = class_dataset.holds(class_dataset_engine(), np.stack([d.image for d in digits]),
                               np.array([d.label for d in digits], np.uint8))
    return [d for d, is_held in zip(digits, held) if not is_held]


def count_of(n: int, noun: str = "drawing") -> str:
    """"1 drawing", "2 drawings", "1,000 drawings"."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
