"""The Train page's knobs and a shareable link to them (`st.query_params`).

A teacher sets a preset and knobs and sends the page's address; a student who opens it gets the
same settings. Values are checked against the knobs' own choices: anything else in a link is
ignored and named, never applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

import numpy as np

from mlcore.training import OPTIMIZERS, PRESETS

FILTERS = [4, 8, 16, 24, 32, 48, 64]
DENSE_UNITS = [0, 32, 64, 128, 256, 512]
LEARNING_RATES = [1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 1e-2, 3e-2]
BATCH_SIZES = [32, 64, 128, 256, 512]
DROPOUTS = [round(float(v), 2) for v in np.arange(0.0, 0.601, 0.05)]
TRAIN_FRACTIONS = [round(float(v), 2) for v in np.arange(0.05, 1.001, 0.05)]

KNOB_CHOICES: dict[str, list] = {
    "conv_blocks": [0, 1, 2, 3],
    "filters": FILTERS,
    "dense_units": DENSE_UNITS,
    "dropout": DROPOUTS,
    "batch_norm": [False, True],
    "optimizer": list(OPTIMIZERS),
    "learning_rate": LEARNING_RATES,
    "batch_size": BATCH_SIZES,
    "epochs": list(range(1, 21)),
    "train_fraction": TRAIN_FRACTIONS,
    "augment": [False, True],
}
"""Every knob of the Train page and the values it can take."""


def _text(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def link_params(preset: str, knobs: Mapping[str, object]) -> dict[str, str]:
    """Query parameters for a preset and the knobs' values (every knob, so a link is complete)."""
    return {"preset": preset, **{name: _text(knobs[name]) for name in KNOB_CHOICES}}


def link_query(preset: str, knobs: Mapping[str, object]) -> str:
    """The same as a query string, for a link: `?preset=Tiny+MLP&conv_blocks=0&…`."""
    return "?" + urlencode(link_params(preset, knobs))


def read_params(params: Mapping[str, str]) -> tuple[str | None, dict[str, object], list[str]]:
    """(preset, knob values, names of parameters that were not understood) from a link's query.

    A value counts only if it is one of the knob's choices (numbers compared as numbers).
    """
    preset = params.get("preset")
    rejected = []
    if preset is not None and preset not in PRESETS:
        rejected.append("preset")
        preset = None
    knobs = {}
    for name, choices in KNOB_CHOICES.items():
        if name not in params:
            continue
        value = _parse(params[name], choices)
        if value is None:
            rejected.append(name)
        else:
            knobs[name] = value
    return preset, knobs, rejected


def _parse(text: str, choices: list):
    for choice in choices:
        if isinstance(choice, bool):
            if text.strip().lower() in (("1", "true", "on") if choice else ("0", "false", "off")):
                return choice
        elif isinstance(choice, str):
            if text == choice:
                return choice
        else:
            try:
                number = float(text)
            except ValueError:
                return None
            if np.isclose(number, choice, rtol=1e-9, atol=1e-12):
                return choice
    return None
