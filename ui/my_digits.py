"""This session's My digits collection, and which of its drawings went to the class dataset."""

from __future__ import annotations

import streamlit as st

from mlcore.collection import Collection

MY_DIGITS = "my_digits"
SHARED_IDS = "my_digits_shared"


def my_digits() -> Collection:
    """The drawings this session labelled (or imported from a zip); gone when the session ends."""
    return st.session_state.setdefault(MY_DIGITS, Collection())


def shared_ids() -> set[str]:
    """Ids of this session's drawings already added to the class dataset (not added twice)."""
    return st.session_state.setdefault(SHARED_IDS, set())
