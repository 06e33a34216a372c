"""Where the app's state lives: what all sessions share (cached once per process) and what each
session owns (`st.session_state`)."""

from __future__ import annotations

import gc
import os
import uuid
from pathlib import Path

import keras
import numpy as np
import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from mlcore.data import DatasetError, Mnist, load_mnist
from mlcore.inference import Recognizer
from mlcore.jobs import JobManager, RunOutcome, TrainingJob
from mlcore.model import DEFAULT_MODEL_PATH, MODELS_DIR, ModelError
from mlcore.model_store import ModelStore

ACTIVE_MODEL = "active_model"
TRAINING_JOBS = "training_jobs"
TRAINED_MODELS = "trained_models"
OWNER_ID = "owner_id"
SAVED_MODELS_ENV = "DIGITS_SAVED_MODELS"
KEEP_RUNS = 3
"""How many of its runs a session keeps in memory (models, curves); older ones can be saved first."""


def _no_keras_reset_after_each_run(free_memory: bool = True) -> None:
    """Stands in for `keras.backend.clear_session`, which Streamlit calls after every script run.

    Streamlit does that to free models a script builds on each rerun; its `gc.collect()` costs
    about 185 ms here, on every stroke on the canvas, and blocks every session meanwhile. This app
    builds no models in its scripts: they live in `st.cache_resource`, the session state and
    training threads, and must survive reruns anyway.
    """


keras.backend.clear_session = _no_keras_reset_after_each_run


def _freeze_long_lived_heap() -> None:
    """Move every object alive now out of the garbage collector's reach (`gc.freeze`).

    Called once a shared resource (TensorFlow, a model, MNIST) has loaded: those objects live as
    long as the server, yet a full collection would walk all of them again (about 200 ms here).
    Collecting first keeps today's garbage out of the frozen set, as the `gc.freeze` docs advise.
    """
    gc.collect()
    gc.freeze()


@st.cache_resource(show_spinner="Loading MNIST…")
def shared_mnist() -> Mnist:
    mnist = load_mnist()
    _freeze_long_lived_heap()
    return mnist


@st.cache_resource(show_spinner="Loading the model…")
def shared_recognizer(path: str | None = None) -> Recognizer:
    recognizer = Recognizer.load(path)
    recognizer.prepare_checks()
    _freeze_long_lived_heap()
    return recognizer


def mnist_or_stop() -> Mnist:
    """The bundled dataset, or a clear error on screen (and nothing else) when it is unusable."""
    try:
        return shared_mnist()
    except DatasetError as error:
        st.error(f"The dataset could not be loaded. {error}")
        st.stop()


def active_recognizer_or_stop() -> Recognizer:
    """This session's model: one trained on the Train page, a saved file, or the shipped one.

    A model that cannot be loaded gets a clear message on screen and stops the page there.
    """
    chosen = st.session_state.get(ACTIVE_MODEL)
    if isinstance(chosen, Recognizer):
        return chosen
    try:
        return shared_recognizer(chosen)
    except ModelError as error:
        st.error(f"The model could not be loaded, so the app cannot recognise digits. {error}")
        st.stop()


def use_model(choice: Recognizer | str | None) -> None:
    """Make a trained model, a saved model's path, or None (the shipped model) this session's model."""
    st.session_state[ACTIVE_MODEL] = choice


def model_label(recognizer: Recognizer) -> str:
    meta = recognizer.metadata or {}
    accuracy = meta.get("test_accuracy")
    score = f" · {accuracy:.2%} on the MNIST test set" if accuracy is not None else ""
    return f"{recognizer.model.name}{score}"


@st.cache_data(max_entries=8, show_spinner="Reading all 10,000 test images with the model…")
def test_set_probabilities(model_key: str, _recognizer: Recognizer) -> np.ndarray:
    """The model's (10000, 10) probabilities on the test set, computed once per model."""
    return _recognizer.predict_batch(shared_mnist().x_test)


@st.cache_resource
def shared_job_manager() -> JobManager:
    """One queue of training jobs for the whole server, shared by every session."""
    return JobManager()


@st.cache_resource
def shared_model_store() -> ModelStore:
    """The models saved on this server, with their owners: in models/, or the folder named by the
    environment variable DIGITS_SAVED_MODELS (e.g. a persistent volume)."""
    return ModelStore(os.environ.get(SAVED_MODELS_ENV) or MODELS_DIR)


def session_owner() -> str:
    """This session's owner id: what its saved models are recorded under."""
    return st.session_state.setdefault(OWNER_ID, uuid.uuid4().hex)


def session_jobs() -> list[TrainingJob]:
    return st.session_state.setdefault(TRAINING_JOBS, [])


def start_training(config, continue_from: RunOutcome | None = None) -> TrainingJob:
    """Queue a training run owned by this session; it stops by itself if the session goes away.

    The session keeps its last KEEP_RUNS runs; older ones are forgotten (and their models too,
    unless one is in use).
    """
    return add_session_job(lambda **owner: shared_job_manager().submit(config, continue_from=continue_from, **owner))


def add_session_job(submit) -> TrainingJob:
    """Call `submit(owner=, owner_alive=, number=)` for this session and keep the job it returns."""
    session_id = get_script_run_ctx().session_id
    runtime = Runtime.instance() if Runtime.exists() else None
    alive = (lambda: runtime.is_active_session(session_id)) if runtime else (lambda: True)
    jobs = session_jobs()
    job = submit(owner=session_id, owner_alive=alive, number=jobs[-1].number + 1 if jobs else 1)
    jobs.append(job)
    forget_old_runs(jobs)
    return job


def forget_old_runs(jobs: list[TrainingJob]) -> None:
    while len(jobs) > KEEP_RUNS:
        old = jobs.pop(0)
        old.discard()
        recognizer = old.outcome.recognizer if old.outcome else None
        models = trained_models()
        for label in [label for label, r in models.items() if r is recognizer and r is not st.session_state.get(ACTIVE_MODEL)]:
            del models[label]


def trained_models() -> dict[str, Recognizer]:
    """Models trained in this session, by the label the pages show for them."""
    return st.session_state.setdefault(TRAINED_MODELS, {})


def model_picker() -> None:
    """A sidebar choice of this session's model: shipped, trained here, or saved on the server
    (this session's saves and those shared with the class)."""
    owner = session_owner()
    saved = {(f"Saved: {m.name}" if m.owner == owner else f"Shared: {m.name}"): str(m.path)
             for m in shared_model_store().visible_to(owner)}
    options = {f"Shipped model ({DEFAULT_MODEL_PATH.stem})": None, **trained_models(), **saved}
    current = st.session_state.get(ACTIVE_MODEL)
    if isinstance(current, str) and current not in options.values():
        options[f"File: {Path(current).name}"] = current
    st.session_state.model_choice = next(
        (label for label, value in options.items() if value is current or value == current), next(iter(options)))
    st.sidebar.selectbox("Model", list(options), key="model_choice", help="Train your own on the Train page.",
                         on_change=lambda: use_model(options[st.session_state.model_choice]))
