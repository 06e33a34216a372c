"""Where the app's state lives: what all sessions share (cached once per process) and what each
session owns (`st.session_state`)."""

from __future__ import annotations

import streamlit as st

from mlcore.data import DatasetError, Mnist, load_mnist
from mlcore.inference import Recognizer
from mlcore.model import ModelError

ACTIVE_MODEL = "active_model"


@st.cache_resource(show_spinner="Loading MNIST…")
def shared_mnist() -> Mnist:
    return load_mnist()


@st.cache_resource(show_spinner="Loading the model…")
def shared_recognizer(path: str | None = None) -> Recognizer:
    return Recognizer.load(path)


def mnist_or_stop() -> Mnist:
    """The bundled dataset, or a clear error on screen (and nothing else) when it is unusable."""
    try:
        return shared_mnist()
    except DatasetError as error:
        st.error(f"The dataset could not be loaded. {error}")
        st.stop()


def active_recognizer_or_stop() -> Recognizer:
    """This session's chosen model (one trained on the Train page), else the shipped one."""
    chosen = st.session_state.get(ACTIVE_MODEL)
    if chosen is not None:
        return chosen
    try:
        return shared_recognizer()
    except ModelError as error:
        st.error(f"The model could not be loaded, so the app cannot recognise digits. {error}")
        st.stop()


def use_model(recognizer: Recognizer | None) -> None:
    """Make `recognizer` this session's model for drawing and exploring (None = the shipped one)."""
    st.session_state[ACTIVE_MODEL] = recognizer


def model_label(recognizer: Recognizer) -> str:
    meta = recognizer.metadata or {}
    accuracy = meta.get("test_accuracy")
    score = f" · {accuracy:.2%} on the MNIST test set" if accuracy is not None else ""
    return f"{recognizer.model.name}{score}"
