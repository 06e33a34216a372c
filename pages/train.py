import dataclasses

import pandas as pd
import streamlit as st

from mlcore.inference import Recognizer
from mlcore.jobs import FAILED, QUEUED, STOPPED, TrainingJob
from mlcore.model import Architecture, build_model, layer_table, model_bytes, save_model, saved_model_path
from mlcore.training import OPTIMIZERS, PRESETS, TrainConfig
from ui.layout import page_frame
from ui.state import (active_recognizer_or_stop, mnist_or_stop, model_picker, session_jobs,
                      shared_job_manager, start_training, trained_models, use_model)
from ui.training_charts import compare_curves, live_curves
from ui.widgets import confusion_chart

page_frame("pages/train.py")
st.title("Train a network")
st.caption("Pick a network and how to train it, press Train, and watch it learn. The page keeps "
           "training while you draw or explore; come back for the charts.")
mnist = mnist_or_stop()
model_picker()


def apply_preset() -> None:
    config = PRESETS[st.session_state.preset]
    for name, value in {**config.arch.as_dict(), **dataclasses.asdict(config)}.items():
        if name not in ("arch", "validation_size", "seed"):
            st.session_state[f"knob_{name}"] = value


if "knob_epochs" not in st.session_state:
    st.session_state.preset = next(iter(PRESETS))
    apply_preset()


@st.cache_data(max_entries=32)
def network_summary(arch: Architecture) -> tuple[int, pd.DataFrame]:
    model = build_model(arch)
    return model.count_params(), pd.DataFrame(layer_table(model))


def settings() -> TrainConfig:
    st.selectbox("Start from a preset", list(PRESETS), key="preset", on_change=apply_preset)
    network_tab, training_tab = st.tabs(["The network", "The training"])
    with network_tab:
        conv_blocks = st.slider("Convolution blocks (0 = no convolutions)", 0, 3, key="knob_conv_blocks")
        filters = st.select_slider("Filters in the first block", [4, 8, 16, 24, 32, 48, 64], key="knob_filters",
                                   disabled=conv_blocks == 0)
        dense_units = st.select_slider("Dense units", [0, 32, 64, 128, 256, 512], key="knob_dense_units")
        dropout = st.slider("Dropout", 0.0, 0.6, step=0.05, key="knob_dropout")
        batch_norm = st.toggle("Batch normalisation", key="knob_batch_norm")
    with training_tab:
        optimizer = st.selectbox("Optimizer", OPTIMIZERS, key="knob_optimizer")
        learning_rate = st.select_slider("Learning rate", [1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 1e-2, 3e-2],
                                         key="knob_learning_rate", format_func=lambda v: f"{v:g}")
        batch_size = st.select_slider("Batch size", [32, 64, 128, 256, 512], key="knob_batch_size")
        epochs = st.slider("Epochs", 1, 20, key="knob_epochs")
        train_fraction = st.slider("Share of the 55,000 training images", 0.05, 1.0, step=0.05,
                                   key="knob_train_fraction", format="%.2f")
        augment = st.toggle("Data augmentation (rotate, slant, scale, shift, stroke weight)", key="knob_augment")
    arch = Architecture(conv_blocks, filters, dense_units, dropout, batch_norm)
    return TrainConfig(arch, optimizer, learning_rate, batch_size, epochs, train_fraction, augment)


def network_table(arch: Architecture) -> None:
    parameters, layers = network_summary(arch)
    st.metric("Parameters", f"{parameters:,}")
    with st.expander("Layers"):
        st.dataframe(layers, hide_index=True, width="stretch")


def progress_line(job: TrainingJob) -> None:
    if job.status == QUEUED:
        position = shared_job_manager().queue_position(job)
        st.info(f"Run {job.number} is waiting for a free trainer: position {position or 1} in the queue. "
                "Other sessions are training; it starts as soon as one finishes.")
        return
    state = job.progress.snapshot()[2]
    if "steps" not in state:
        st.progress(0.0, text=f"Run {job.number}: preparing the data and building the network…")
        return
    steps = state["steps"]
    done, total = state.get("steps_done", 0), steps * state.get("epochs", job.config.epochs)
    elapsed = state.get("elapsed", 0.0)
    rate = done * job.config.batch_size / elapsed if elapsed else 0.0
    left = (total - done) * elapsed / done if done else None
    label = (f"Run {job.number}: epoch {state.get('epoch', 0) + 1} of {state.get('epochs', job.config.epochs)}, "
             f"batch {state.get('batch', 0)} of {steps} · {rate:,.0f} images/s"
             + (f" · about {left:.0f} s left" if left is not None else ""))
    st.progress(min(done / total, 1.0), text=label)


def live_view(job: TrainingJob, started_active: bool) -> None:
    """Redrawn every second while the run is going (a fragment), then once more when it ends."""
    if job.active:
        stop_col, _ = st.columns([1, 3])
        if stop_col.button("Stop", icon=":material/stop_circle:", key=f"stop_{job.number}", help="Ends after the current batch and keeps the best weights."):
            job.stop()
        progress_line(job)
    chart = live_curves(*job.progress.snapshot()[:2])
    if chart is not None:
        st.altair_chart(chart, width="stretch")
    if started_active and not job.active:
        st.rerun(scope="app")


def finished_view(job: TrainingJob) -> None:
    if job.status == FAILED:
        st.error(f"Run {job.number} failed: {job.error}")
        return
    if job.result is None:
        st.warning(f"Run {job.number} was stopped before it started.")
        return
    recognizer = job.recognizer
    how = "stopped early; kept the best epoch so far" if job.status == STOPPED else "finished"
    st.success(f"Run {job.number} {how}: {job.test_accuracy:.2%} on the 10,000 test images "
               f"in {job.result.seconds:.0f} s (best epoch {job.result.best_epoch}).")
    accuracy_col, use_col = st.columns(2)
    accuracy_col.metric("Test accuracy", f"{job.test_accuracy:.2%}")
    label = f"Run {job.number} ({job.test_accuracy:.2%})"
    if active_recognizer_or_stop() is recognizer:
        use_col.markdown(":material/check_circle: In use on the Draw and Explore pages")
    elif use_col.button("Use this model", key=f"use_{job.number}", type="primary",
                        help="The Draw and Explore pages then use it, for this session."):
        trained_models()[label] = recognizer
        use_model(recognizer)
        st.rerun()
    save_form(job, recognizer)
    with st.expander("Confusion matrix on the test set"):
        st.altair_chart(confusion_chart(job.confusion), width="stretch")


def save_form(job: TrainingJob, recognizer: Recognizer) -> None:
    with st.form(key=f"save_{job.number}", border=False):
        name_col, save_col = st.columns([3, 1], vertical_alignment="bottom")
        name = name_col.text_input("Save on the server as", value=f"my_model_{job.number}", max_chars=40)
        if save_col.form_submit_button("Save model"):
            try:
                path = save_model(recognizer.model, saved_model_path(name), recognizer.metadata)
                st.success(f"Saved as models/{path.name}. Pick it in the sidebar's Model list.")
            except (ValueError, OSError) as error:
                st.error(str(error))
    st.download_button("Download the model (.keras)", data=lambda: model_bytes(recognizer.model),
                       key=f"download_{job.number}", file_name=f"{recognizer.model.name}.keras",
                       mime="application/octet-stream")


def comparison(jobs: list[TrainingJob]) -> None:
    done = [j for j in jobs if j.result is not None]
    if not done:
        return
    st.subheader("This session's runs")
    rows = []
    for job in done:
        rows.append({"run": job.number, **job.config.arch.as_dict(), "optimizer": job.config.optimizer,
                     "learning rate": job.config.learning_rate, "batch": job.config.batch_size,
                     "epochs": len(job.result.history.get("loss", [])), "data": job.config.train_fraction,
                     "augment": job.config.augment, "parameters": job.recognizer.model.count_params(),
                     "seconds": round(job.result.seconds), "test accuracy": job.test_accuracy})
    st.dataframe(pd.DataFrame(rows).style.format({"test accuracy": "{:.2%}", "learning rate": "{:g}",
                                                   "dropout": "{:.2f}", "data": "{:.0%}"}),
                 hide_index=True, width="stretch")
    curves = {f"run {j.number}": j.progress.snapshot()[1] for j in done}
    st.altair_chart(compare_curves(curves), width="stretch")


settings_col, run_col = st.columns([2, 3], gap="large")
with settings_col:
    config = settings()
    network_table(config.arch)
jobs = session_jobs()
with run_col:
    busy = any(j.active for j in jobs)
    if st.button("Train", icon=":material/rocket_launch:", type="primary", disabled=busy, help="One run at a time per session."):
        start_training(config)
        st.rerun()
    if jobs:
        latest = jobs[-1]
        st.subheader(f"Run {latest.number}")
        with st.container():  # the fragment's elements then take one slot, whatever it redraws
            st.fragment(run_every=1.0 if latest.active else None)(live_view)(latest, latest.active)
        if not latest.active:
            finished_view(latest)
    else:
        st.info("Press Train to start. A tiny MLP trains in seconds; the shipped model's "
                "architecture takes about 15 minutes on 2 cores.")
comparison(jobs)
