"""A training run on the Train page: its live progress and controls, its result, saving and comparing.

Streamlit parts shared by the Train page's run and the fine-tuning section (`ui/fine_tune.py`).
"""

import dataclasses

import pandas as pd
import streamlit as st

from mlcore.inference import Recognizer
from mlcore.jobs import FAILED, QUEUED, RUNNING, STOPPED, TrainingJob
from mlcore.model import model_bytes
from mlcore.model_store import StoreError
from ui.fine_tune import before_after
from ui.state import (ACTIVE_MODEL, KEEP_RUNS, active_recognizer_or_stop, session_jobs, session_owner,
                      shared_job_manager, shared_model_store, start_training, trained_models, use_model)
from ui.train_link import LEARNING_RATES
from ui.training_charts import compare_curves, live_curves
from ui.widgets import confusion_chart


def progress_line(job: TrainingJob) -> None:
    if job.status == QUEUED:
        manager = shared_job_manager()
        position, wait = manager.queue_position(job), manager.expected_wait(job)
        estimate = f" It should start in about {_duration(wait)}." if wait is not None else ""
        st.info(f"Run {job.number} is waiting for a free trainer: position {position or 1} in the queue. "
                f"Other sessions are training; it starts as soon as one finishes.{estimate}")
        return
    state = job.progress.snapshot()[2]
    if "steps" not in state:
        st.progress(0.0, text=f"Run {job.number}: starting the training process, loading the data and "
                              "building the network…" + (" It pauses after its first batch." if job.pausing else ""))
        return
    steps, epochs = state["steps"], state.get("epochs", job.config.epochs)
    first = state.get("initial_epoch", 0)
    done, total = state.get("steps_done", 0), steps * (epochs - first)
    rate, left = state.get("images_per_second"), job.seconds_left()
    label = (f"Run {job.number}: epoch {state.get('epoch', 0) + 1} of {epochs}, "
             f"batch {state.get('batch', 0)} of {steps} · "
             + ("paused" if job.paused else "pausing after this batch" if job.pausing
                else f"{rate:,.0f} images/s" if rate else "starting")
             + (f" · about {_duration(left)} left" if left is not None else ""))
    st.progress(min(done / total, 1.0) if total else 0.0, text=label)


def _duration(seconds: float) -> str:
    """'40 s', '3 min': how long, rounded the way a person says it."""
    return f"{max(seconds, 1):.0f} s" if seconds < 90 else f"{round(seconds / 60)} min"


def run_controls(job: TrainingJob) -> None:
    """Stop, Pause / Resume, and a new learning rate while the run goes on."""
    stop_col, pause_col, _ = st.columns([1, 1.3, 1.7])
    keeps = ("keeps the weights at the stop (fine-tuning never goes back to an earlier epoch)" if job.fine_tune
             else "keeps the best weights: the best finished epoch's, or those at the stop if they score better")
    if stop_col.button("Stop", icon=":material/stop_circle:", key=f"stop_{job.number}",
                       help=f"Ends after the current batch and {keeps}."):
        job.stop()
    running = job.status == RUNNING
    if job.paused or job.pausing:
        if pause_col.button("Resume", icon=":material/play_arrow:", key=f"resume_{job.number}"):
            job.resume()
    elif pause_col.button("Pause", icon=":material/pause:", key=f"pause_{job.number}", disabled=not running,
                          help="Holds the run after the current batch; change the learning rate meanwhile."):
        job.pause()
    if job.fine_tune is not None:  # its learning rate is fine-tuning's own, not one of the page's choices
        return
    current = job.progress.state.get("learning_rate") or job.config.learning_rate
    key = f"steer_rate_{job.number}"
    if key not in st.session_state:
        st.session_state[key] = current if current in LEARNING_RATES else job.config.learning_rate
    rate_col, apply_col = st.columns([3, 1], vertical_alignment="bottom")
    rate = rate_col.select_slider("Learning rate of this run", LEARNING_RATES, key=key,
                                  format_func=lambda v: f"{v:g}", disabled=not running)
    if apply_col.button("Change", key=f"apply_rate_{job.number}", disabled=not running or rate == current,
                        help="From the next batch on; the change is marked on the charts."):
        job.set_learning_rate(rate)


def live_view(job: TrainingJob, started_active: bool) -> None:
    """Redrawn every second while the run is going (a fragment), then once more when it ends."""
    if job.active:
        run_controls(job)
        progress_line(job)
    marks = job.progress.marks_snapshot()
    for chart in live_curves(*job.progress.snapshot()[:2], marks):
        st.altair_chart(chart, width="stretch")
    if marks:
        st.caption("Marked on the charts: " + "; ".join(f"{m['text']} at epoch {m['epoch']:.2f}" for m in marks))
    if started_active and not job.active:
        st.rerun(scope="app")


def finished_view(job: TrainingJob) -> None:
    outcome = job.outcome
    if outcome.status == FAILED:
        st.error(f"Run {job.number} failed: {outcome.reason}.")
        return
    if outcome.recognizer is None:
        st.warning(f"Run {job.number} was {outcome.reason or 'stopped before it started'}.")
        return
    recognizer = outcome.recognizer
    how = "stopped early" if outcome.status == STOPPED else "finished"
    kept = f"; {outcome.kept.describe()}" if outcome.kept else ""
    st.success(f"Run {job.number} {how}{kept}: {outcome.test_accuracy:.2%} on the 10,000 test images "
               f"after {outcome.seconds:.0f} s of training.")
    if outcome.fine_tune is not None:
        before_after(outcome.fine_tune)
    accuracy_col, use_col = st.columns(2)
    accuracy_col.metric("Test accuracy", f"{outcome.test_accuracy:.2%}")
    label = run_label(job)
    if active_recognizer_or_stop() is recognizer:
        use_col.markdown(":material/check_circle: In use on the Draw and Explore pages")
    else:
        # A callback, not `if st.button(...)`: it runs even when the user goes to another page
        # before this page's rerun gets to this line (the click would be lost otherwise).
        use_col.button("Use this model", key=f"use_{job.number}", type="primary",
                       help="The Draw and Explore pages then use it, for this session.",
                       on_click=use_trained_model, args=(label, recognizer))
    more_epochs(job)
    save_form(job, recognizer)
    with st.expander("Confusion matrix on the test set"):
        st.altair_chart(confusion_chart(outcome.confusion), width="stretch")


def use_trained_model(label: str, recognizer) -> None:
    trained_models()[label] = recognizer
    use_model(recognizer)


def run_label(job: TrainingJob) -> str:
    """The run's name in the sidebar's Model list; a saved run goes by its saved name."""
    outcome = job.outcome
    tuned = " fine-tuned" if outcome.fine_tune else ""
    name = outcome.recognizer.model.name
    if name == f"run_{job.number}":
        return f"Run {job.number}{tuned} ({outcome.test_accuracy:.2%})"
    return f"{name} (run {job.number}{tuned}, {outcome.test_accuracy:.2%})"


def named_as_saved(job: TrainingJob, name: str) -> None:
    """Call the run's model by its saved name from now on: on every page, in the Model list, in downloads."""
    before = run_label(job)
    job.outcome.recognizer.model.name = name
    models = trained_models()
    if before in models:
        models[run_label(job)] = models.pop(before)


def more_epochs(job: TrainingJob) -> None:
    """Train this run's model further: same weights, same optimizer state, the learning rate
    restarting its cosine decay over the added epochs."""
    outcome = job.outcome
    if outcome.model_file is None or not outcome.model_file.is_file() or job is not session_jobs()[-1] or job.fine_tune:
        return
    count_col, button_col = st.columns([1, 2], vertical_alignment="bottom")
    count = count_col.number_input("More epochs", 1, 20, 2, key=f"more_epochs_{job.number}")
    if button_col.button(f"+{count} epochs", icon=":material/add:", key=f"continue_{job.number}",
                         help="Continues from where the run stopped, with the same optimizer state."):
        rate = job.progress.state.get("learning_rate") or job.config.learning_rate
        start_training(dataclasses.replace(job.config, epochs=int(count), learning_rate=rate), continue_from=outcome)
        st.rerun()


def save_form(job: TrainingJob, recognizer: Recognizer) -> None:
    """Save the run on the server (once: a saved run says where it is), and download it."""
    saved_as = st.session_state.get(f"saved_as_{job.number}")
    saved = next((m for m in shared_model_store().owned_by(session_owner()) if m.name == saved_as), None)
    if saved is not None:
        shared = "shared with the class" if saved.shared else "only you see it"
        st.success(f"Saved as **{saved.name}** ({shared}). Pick it in the sidebar's Model list; change who sees "
                   "it or delete it under *Your saved models*, below.", icon=":material/save:")
    else:
        # Enter in the name box does not save: the checkbox under it would be skipped.
        with st.form(key=f"save_{job.number}", border=False, enter_to_submit=False):
            name_col, save_col = st.columns([3, 1], vertical_alignment="bottom")
            name = name_col.text_input("Save on the server as", value=f"my_model_{job.number}", max_chars=40)
            shared = st.checkbox("Share with the class", key=f"share_new_{job.number}",
                                 help="Others then see it in their Model list. You can change this later.")
            if save_col.form_submit_button("Save model"):
                save_run(job, recognizer, name, shared)
    st.download_button("Download the model (.keras)", data=lambda: model_bytes(recognizer.model),
                       key=f"download_{job.number}", file_name=f"{recognizer.model.name}.keras",
                       mime="application/octet-stream", on_click="ignore")


def save_run(job: TrainingJob, recognizer: Recognizer, name: str, shared: bool) -> None:
    try:
        path = shared_model_store().save(recognizer.model, name, recognizer.metadata or {},
                                         owner=session_owner(), shared=shared)
    except (StoreError, OSError) as error:
        st.error(str(error))
        return
    named_as_saved(job, path.stem)
    st.session_state[f"saved_as_{job.number}"] = path.stem
    st.rerun()  # so that the sidebar's Model list shows it at once


def my_saved_models() -> None:
    """This session's saves: share with the class or not, delete."""
    store, owner = shared_model_store(), session_owner()
    mine = store.owned_by(owner)
    if not mine:
        return
    with st.expander(f"Your saved models ({len(mine)} of {store.per_owner})"):
        for model in mine:
            name_col, share_col, delete_col = st.columns([3, 2, 1], vertical_alignment="center")
            score = f" · {model.test_accuracy:.2%}" if model.test_accuracy is not None else ""
            name_col.markdown(f"**{model.name}**{score}")
            shared = share_col.toggle("Shared with the class", value=model.shared, key=f"shared_{model.name}")
            if shared != model.shared:
                store.set_shared(model.name, owner, shared)
                st.rerun()
            if delete_col.button("Delete", icon=":material/delete:", key=f"delete_{model.name}"):
                try:
                    store.delete(model.name, owner)
                except StoreError as error:
                    st.error(str(error))
                if st.session_state.get(ACTIVE_MODEL) == str(model.path):
                    use_model(None)
                st.rerun()


def comparison(jobs: list[TrainingJob]) -> None:
    done = [j for j in jobs if j.outcome is not None and j.outcome.recognizer is not None]
    if not done:
        return
    st.subheader("This session's runs")
    st.caption(f"The last {KEEP_RUNS} runs are kept; save a run to keep it for longer.")
    rows = []
    for job in done:
        outcome = job.outcome
        rows.append({"run": job.number, **job.config.arch.as_dict(), "optimizer": job.config.optimizer,
                     "learning rate": job.config.learning_rate, "batch": job.config.batch_size,
                     "epochs": outcome.epochs_run, "data": job.config.train_fraction,
                     "augment": job.config.augment, "parameters": outcome.recognizer.model.count_params(),
                     "seconds": round(outcome.seconds), "test accuracy": outcome.test_accuracy})
    st.dataframe(pd.DataFrame(rows).style.format({"test accuracy": "{:.2%}", "learning rate": "{:g}",
                                                   "dropout": "{:.2f}", "data": "{:.0%}"}),
                 hide_index=True, width="stretch")
    curves = {f"run {j.number}": j.progress.snapshot()[1] for j in done}
    st.altair_chart(compare_curves(curves), width="stretch")


def run_view(latest: TrainingJob) -> None:
    """The session's latest run: its progress while it goes, then its results."""
    st.subheader(f"Run {latest.number}" + (": fine-tuning" if latest.fine_tune else ""))
    with st.container():  # the fragment's elements then take one slot, whatever it redraws
        st.fragment(run_every=1.0 if latest.active else None)(live_view)(latest, latest.active)
    if not latest.active:
        finished_view(latest)
