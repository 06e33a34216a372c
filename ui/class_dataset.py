"""The class dataset's database, through Streamlit's own SQL connection, and the teacher's passcode.

Where it lives, first found wins:
1. the environment variable CLASS_DATASET_URL (any SQLAlchemy URL; the tests use it);
2. `url` (or dialect, host, ...) under `[connections.class_dataset]` in `.streamlit/secrets.toml`,
   e.g. a PostgreSQL URL on Streamlit Community Cloud, whose disk is wiped on every restart;
3. SQLite in `data/class_dataset.sqlite`, next to the bundled MNIST.
The teacher's passcode: CLASS_DATASET_PASSCODE, else `class_dataset_passcode` in the secrets.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st
from sqlalchemy import Engine

from mlcore.class_dataset import ClassDatasetError, ensure_schema

CONNECTION = "class_dataset"
DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "class_dataset.sqlite"


def _secret(*keys: str):
    try:
        value = st.secrets
        for key in keys:
            value = value[key]
        return value
    except (KeyError, FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return None


def _connection_kwargs() -> dict:
    if os.environ.get("CLASS_DATASET_URL"):
        return {"url": os.environ["CLASS_DATASET_URL"]}
    if _secret("connections", CONNECTION):
        return {}
    return {"url": f"sqlite:///{DEFAULT_PATH}"}


@st.cache_resource(show_spinner=False)
def _schema_ready(url: str, _engine: Engine) -> bool:
    ensure_schema(_engine)
    return True


def class_dataset_engine() -> Engine:
    """The class dataset's engine with its tables in place; ClassDatasetError when it cannot be used."""
    try:
        engine = st.connection(CONNECTION, type="sql", **_connection_kwargs()).engine
        _schema_ready(engine.url.render_as_string(hide_password=False), engine)
    except ClassDatasetError:
        raise
    except Exception as error:  # a wrong URL in the secrets, a missing database driver, ...
        raise ClassDatasetError(f"The class dataset's database is not set up right "
                                f"({type(error).__name__}: {str(error)[:200]}).") from error
    return engine


def class_dataset_engine_or_stop() -> Engine:
    """The class dataset's engine, or a clear message on screen and a stop."""
    try:
        return class_dataset_engine()
    except ClassDatasetError as error:
        st.error(str(error))
        st.stop()


def teacher_passcode() -> str | None:
    """The passcode that lets a teacher clear the class dataset; None when none is set (clearing is off)."""
    return os.environ.get("CLASS_DATASET_PASSCODE") or _secret("class_dataset_passcode") or None
