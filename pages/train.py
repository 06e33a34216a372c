import pandas as pd
import streamlit as st

from mlcore.jobs import TrainingJob
from mlcore.model import Architecture, build_model, layer_table
from mlcore.training import OPTIMIZERS, PRESETS, TrainConfig
from ui.fine_tune import fine_tune_section
from ui.layout import on_a_phone, page_frame
from ui.page_memory import keep_across_pages
from ui.state import active_recognizer_or_stop, mnist_or_stop, model_picker, session_jobs, start_training
from ui.train_link import (BATCH_SIZES, DENSE_UNITS, FILTERS, KNOB_CHOICES, LEARNING_RATES, changed_knobs,
                           link_params, link_query, preset_knobs, read_params, rejected_message)
from ui.training_run import comparison, my_saved_models, run_view

page_frame("pages/train.py")
st.title("Train a network")
st.caption("Pick a network and how to train it, press Train, and watch it learn. The page keeps "
           "training while you draw or explore; come back for the charts.")
mnist = mnist_or_stop()
model_picker()


def apply_preset() -> None:
    for name, value in preset_knobs(st.session_state.preset).items():
        st.session_state[f"knob_{name}"] = value


def knobs_from_link() -> None:
    """A session's first visit: the preset and knobs of a shared link (`?preset=…&epochs=…`)."""
    preset, knobs, rejected = read_params(st.query_params.to_dict())
    st.session_state.preset = preset or next(iter(PRESETS))
    apply_preset()
    for name, value in knobs.items():
        st.session_state[f"knob_{name}"] = value
    if rejected:
        st.session_state.link_rejected = rejected_message(st.query_params.to_dict(), rejected,
                                                          st.session_state.preset)


keep_across_pages("preset", *(f"knob_{name}" for name in KNOB_CHOICES))
if "knob_epochs" not in st.session_state:
    knobs_from_link()
if rejected := st.session_state.pop("link_rejected", None):
    st.warning(rejected, icon=":material/link_off:")


@st.cache_data(max_entries=32)
def network_summary(arch: Architecture) -> tuple[int, pd.DataFrame]:
    model = build_model(arch)
    return model.count_params(), pd.DataFrame(layer_table(model))


def settings() -> TrainConfig:
    st.selectbox("Start from a preset", list(PRESETS), key="preset", on_change=apply_preset)
    knobs = {name: st.session_state[f"knob_{name}"] for name in KNOB_CHOICES}
    changed = changed_knobs(st.session_state.preset, knobs)
    # Always one caption here: an element that came and went above the knobs would remount them mid-drag.
    st.caption(f":material/tune: Changed from the preset: {', '.join(changed)}." if changed
               else ":material/check: The preset's own settings.")
    network_tab, training_tab = st.tabs(["The network", "The training"])
    with network_tab:
        conv_blocks = st.slider("Convolution blocks (0 = no convolutions)", 0, 3, key="knob_conv_blocks")
        filters = st.select_slider("Filters in the first block", FILTERS, key="knob_filters",
                                   disabled=conv_blocks == 0)
        dense_units = st.select_slider("Dense units", DENSE_UNITS, key="knob_dense_units")
        dropout = st.slider("Dropout", 0.0, 0.6, step=0.05, key="knob_dropout")
        batch_norm = st.toggle("Batch normalisation", key="knob_batch_norm")
    with training_tab:
        optimizer = st.selectbox("Optimizer", OPTIMIZERS, key="knob_optimizer")
        learning_rate = st.select_slider("Learning rate", LEARNING_RATES, key="knob_learning_rate",
                                         format_func=lambda v: f"{v:g}")
        batch_size = st.select_slider("Batch size", BATCH_SIZES, key="knob_batch_size")
        epochs = st.slider("Epochs", 1, 20, key="knob_epochs")
        train_fraction = st.slider("Share of the 55,000 training images", 0.05, 1.0, step=0.05,
                                   key="knob_train_fraction", format="%.2f")
        augment = st.toggle("Data augmentation (rotate, slant, scale, shift, stroke weight)", key="knob_augment")
    arch = Architecture(conv_blocks, filters, dense_units, dropout, batch_norm)
    share_link()
    return TrainConfig(arch, optimizer, learning_rate, batch_size, epochs, train_fraction, augment)


def share_link() -> None:
    """Keep the address bar on a link to these settings, and show it to copy."""
    knobs = {name: st.session_state[f"knob_{name}"] for name in KNOB_CHOICES}
    params = link_params(st.session_state.preset, knobs)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    with st.popover("Share these settings", icon=":material/link:"):
        st.caption("Anyone who opens this link gets this page with the same preset and knobs.")
        st.code((st.context.url or "") + link_query(st.session_state.preset, knobs), language=None,
                wrap_lines=True)


def network_table(arch: Architecture) -> None:
    parameters, layers = network_summary(arch)
    st.metric("Parameters", f"{parameters:,}")
    with st.expander("Layers"):
        st.dataframe(layers, hide_index=True, width="stretch")


def train_and_watch(config: TrainConfig, jobs: list[TrainingJob]) -> None:
    busy = any(j.active for j in jobs)
    if st.button("Train", icon=":material/rocket_launch:", type="primary", disabled=busy, help="One run at a time per session."):
        start_training(config)
        st.rerun()
    st.caption(":material/warning: Keep this tab open: reloading or closing it stops its run and forgets the "
               "models it trained. Save a model to keep it.")
    if jobs and jobs[-1].fine_tune:
        st.info(f"Run {jobs[-1].number} is a fine-tuning run: it is shown under **Fine-tune on handwriting**, below.",
                icon=":material/tune:")
    elif jobs:
        run_view(jobs[-1])
    else:
        st.info("Press Train to start. A tiny MLP trains in seconds; the shipped model's "
                "architecture takes about 15 minutes on 2 cores.")


jobs = session_jobs()
if on_a_phone() and jobs:  # one column: the run a student watches first, the knobs under it
    run_area, settings_area = st.container(), st.container()
else:
    settings_area, run_area = st.columns([2, 3], gap="large")
with settings_area:
    config = settings()
    network_table(config.arch)
with run_area:
    train_and_watch(config, jobs)
fine_tune_section(active_recognizer_or_stop(), busy=any(j.active for j in jobs),
                  run_view=(lambda: run_view(jobs[-1])) if jobs and jobs[-1].fine_tune else None)
comparison(jobs)
my_saved_models()
