"""The Train page's fine-tuning: whose drawings, the Fine-tune button, and the scores before and after."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from mlcore import class_dataset
from mlcore.collection import LabelledDigit
from mlcore.fine_tune import (MAX_DRAWINGS, MIN_DRAWINGS, MIN_HELD_OUT, MIN_TRAIN, ChangedAnswer, FineTuneConfig,
                              FineTuneSummary, held_out_size, sample_drawings)
from mlcore.inference import Recognizer
from ui.class_dataset import class_dataset_engine
from ui.my_digits import my_digits
from ui.state import add_session_job, shared_job_manager
from ui.widgets import enlarge

MY_DIGITS, CLASS_DATASET = "My digits", "The class dataset"
SOURCE_WORDS = {MY_DIGITS: "your drawings (My digits)", CLASS_DATASET: "the class dataset"}
THUMBNAIL = 84


def _drawings(source: str) -> list[LabelledDigit]:
    return list(my_digits()) if source == MY_DIGITS else class_dataset.export(class_dataset_engine())


def _count(source: str) -> int:
    return len(my_digits()) if source == MY_DIGITS else int(class_dataset.counts(class_dataset_engine()).sum())


def fine_tune_section(recognizer: Recognizer, busy: bool, run_view: Callable[[], None] | None = None) -> None:
    """Pick the drawings and start a fine-tuning run of the session's model in the job queue.

    `run_view` draws the session's fine-tuning run (progress, then before and after) right under
    the button that started it, where the student is looking (on a phone the page is one column).
    """
    st.subheader("Fine-tune on handwriting")
    st.caption(f"Teach **{recognizer.model.name}** (the model chosen in the sidebar) your class's handwriting: "
               "it trains a little more on the drawings, mixed with MNIST images so it does not forget them. "
               f"A fifth of the drawings, and at least {MIN_HELD_OUT}, are kept aside to compare before and after "
               "on drawings it never trained on.")
    source = st.segmented_control("Fine-tune on", [MY_DIGITS, CLASS_DATASET], default=MY_DIGITS, required=True,
                                  key="fine_tune_source")
    try:
        _start_button(recognizer, busy, source)
    except class_dataset.ClassDatasetError as error:
        st.error(str(error))
    if run_view is not None:
        run_view()


def _start_button(recognizer: Recognizer, busy: bool, source: str) -> None:
    count = _count(source)
    if count < MIN_DRAWINGS:
        where = "You have labelled" if source == MY_DIGITS else "The class dataset holds"
        st.info(f"Fine-tuning needs at least {MIN_DRAWINGS} labelled drawings: {MIN_HELD_OUT} held out to compare "
                f"before and after, and {MIN_TRAIN} to learn from. {where} {count} so far, so "
                f"{MIN_DRAWINGS - count} more {'is' if MIN_DRAWINGS - count == 1 else 'are'} needed: draw digits on "
                "the Draw page and, under each reading, press **Right, it's a …** or, under **No, it's a …**, "
                "the right digit" + (", then add them to the class dataset on My digits." if source == CLASS_DATASET
                                     else "."), icon=":material/info:")
        with st.container(horizontal=True):
            st.page_link("streamlit_app.py", label="Label drawings on Draw", icon=":material/draw:")
            st.page_link("pages/my_digits.py", label="My digits (upload a zip)", icon=":material/collections:")
        return
    used = min(count, MAX_DRAWINGS)
    held = held_out_size(used, FineTuneConfig().holdout_fraction, FineTuneConfig().min_held_out)
    st.caption(f"{held} of the {used:,} drawings will be held out to compare before and after; "
               f"it learns from the other {used - held:,}.")
    label = f"Fine-tune on {count} drawings" if count <= MAX_DRAWINGS else \
        f"Fine-tune on {MAX_DRAWINGS:,} of the {count:,} drawings"
    if st.button(label, icon=":material/tune:", disabled=busy, key="fine_tune_start",
                 help=f"One run at a time per session. It waits in the same queue as other training runs. "
                      f"A run uses at most {MAX_DRAWINGS:,} drawings (picked at random), so they do not "
                      f"outweigh the MNIST images it keeps learning from."):
        digits = _drawings(source)
        x, y = sample_drawings(np.stack([d.image for d in digits]), np.array([d.label for d in digits], np.uint8))
        try:
            add_session_job(lambda **owner: shared_job_manager().submit_fine_tune(
                recognizer, x, y, FineTuneConfig(), source=SOURCE_WORDS[source], **owner))
        except ValueError as error:
            st.error(f"Fine-tuning could not start: {error}.")
            return
        st.rerun()


def before_after(summary: FineTuneSummary) -> None:
    """Held-out drawings and MNIST test accuracy, before and after side by side, and the changed answers."""
    st.markdown(f"Fine-tuned **{summary.start_model}** on {summary.drawings - summary.held_out} of "
                f"{summary.drawings} drawings from {summary.source}; the other {summary.held_out} were held out.")
    if summary.stopped_epoch is not None:
        epoch, share = summary.stopped_epoch
        st.markdown(f":material/stop_circle: **Stopped {share:.0%} into epoch {epoch} of {summary.epochs}.** "
                    "Fine-tuning keeps the weights it has when it ends, so this model has the weights at the stop "
                    "(not those of an earlier epoch), blended with the starting model's like every fine-tuned "
                    "model. *After* is that model.")
    before_col, after_col = st.columns(2, border=True)
    before_col.markdown("**Before**")
    before_col.metric("Held-out drawings", _share(summary.before.held_out))
    before_col.metric("MNIST test set", f"{summary.before.mnist_test:.2%}")
    after_col.markdown("**After**")
    after_col.metric("Held-out drawings", _share(summary.after.held_out),
                     delta=_points(summary.after.held_out - summary.before.held_out, 0))
    after_col.metric("MNIST test set", f"{summary.after.mnist_test:.2%}",
                     delta=_points(summary.after.mnist_test - summary.before.mnist_test, 2))
    changed_answers(summary.changed)


def changed_answers(changed: tuple[ChangedAnswer, ...]) -> None:
    if not changed:
        st.caption("No held-out drawing changed answer.")
        return
    fixed = [c for c in changed if c.fixed]
    others = [c for c in changed if not c.fixed]
    st.markdown(f"**Held-out drawings that changed answer** ({len(changed)}): before → after")
    for title, group, key in (("Now read right", fixed, "fixed"), ("Now read differently", others, "other")):
        if group:
            st.caption(f"{title} ({len(group)})")
            with st.container(horizontal=True, gap="small", key=f"fine_tune_changed_{key}"):
                for c in group:
                    st.image(enlarge(c.image, THUMBNAIL), width=THUMBNAIL,
                             caption=f"{c.label}: {c.before} → {c.after}")


def _share(value: float) -> str:
    return "–" if np.isnan(value) else f"{value:.0%}"


def _points(change: float, decimals: int) -> str | None:
    return None if np.isnan(change) else f"{change * 100:+.{decimals}f} points"
