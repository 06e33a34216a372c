"""The Train page's knobs and a shareable link to them (`st.query_params`).

A teacher sets a preset and knobs and sends the page's address; a student who opens it gets the
same settings. Values are checked against the knobs' own choices: anything else in a link is
ignored and named, never applied.
"""

from __future__ import annotations

import dataclasses
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

KNOB_NAMES: dict[str, str] = {
    "conv_blocks": "convolution blocks", "filters": "filters", "dense_units": "dense units",
    "dropout": "dropout", "batch_norm": "batch normalisation", "optimizer": "optimizer",
    "learning_rate": "learning rate", "batch_size": "batch size", "epochs": "epochs",
    "train_fraction": "share of the training images", "augment": "data augmentation",
}
"""How the page and its messages name each knob."""


def preset_knobs(preset: str) -> dict[str, object]:
    """The knobs' values for a preset of `mlcore.training.PRESETS` (KeyError for another name)."""
    config = PRESETS[preset]
    values = {**config.arch.as_dict(), **dataclasses.asdict(config)}
    return {name: values[name] for name in KNOB_CHOICES}


def changed_knobs(preset: str, knobs: Mapping[str, object]) -> list[str]:
    """Names (as `KNOB_NAMES` says them) of the knobs whose value is not the preset's, in page order."""
    start = preset_knobs(preset)
    return [KNOB_NAMES[name] for name in KNOB_CHOICES if knobs[name] != start[name]]


def rejected_message(params: Mapping[str, str], rejected: list[str], preset: str) -> str:
    """What a link's refused parameters mean for the page, for a warning.

    params: the link's query; rejected: the names `read_params` refused; preset: the one the page
    starts from instead. Values are quoted as the link gave them (shortened past 30 characters).
    """
    def quoted(name: str) -> str:
        value = params.get(name, "")
        return f"“{value[:30]}…”" if len(value) > 30 else f"“{value}”"

    parts = []
    if "preset" in rejected:
        parts.append(f"This link asks for the preset {quoted('preset')}, which this app does not have "
                     f"(it has {', '.join(PRESETS)}), so the page starts from {preset}.")
    knobs = [f"{KNOB_NAMES[name]} {quoted(name)}" for name in rejected if name in KNOB_NAMES]
    if knobs:
        parts.append(f"The link's {', '.join(knobs)} {'is' if len(knobs) == 1 else 'are'} not among the "
                     f"page's choices, so {'that knob keeps' if len(knobs) == 1 else 'those knobs keep'} "
                     f"the preset's value.")
    return " ".join(parts)


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
