"""Explore page: what MNIST looks like (overview, gallery) and where its digits sit (the data map)."""

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from mlcore.dataset_stats import class_counts, intensity_histogram, mean_images, pixel_statistics
from mlcore.embedding import neighbour_agreement, pca, penultimate_features, stratified_sample
from mlcore.gallery import compose_grid, matching_indices, page_count, page_of
from ui.inside import teacher_note
from ui.page_memory import keep_across_pages
from ui.state import active_recognizer_or_stop, shared_mnist
from ui.widgets import image_strip, pixel_heatmap, probability_chart

DIGITS = list(range(10))


PER_PAGE = 100


MAP_POINTS_PER_DIGIT = 150


@st.cache_data(show_spinner=False)
def split_summary(split: str) -> dict:
    mnist = shared_mnist()
    images, labels = mnist.split(split)
    return {"counts": class_counts(labels), "means": mean_images(images, labels),
            "stats": pixel_statistics(images), "histogram": intensity_histogram(images)}


@st.cache_data(show_spinner="Projecting the images…")
def data_map(model_key: str, _recognizer) -> pd.DataFrame:
    mnist = shared_mnist()
    chosen = stratified_sample(mnist.y_test, MAP_POINTS_PER_DIGIT)
    images = mnist.x_test[chosen]
    labels = mnist.y_test[chosen]
    pixels = pca(images)
    hidden = penultimate_features(_recognizer.model, images)
    features = pca(hidden)
    return pd.DataFrame({
        "index": chosen, "digit": mnist.y_test[chosen].astype(str),
        "pixels_x": pixels.coordinates[:, 0], "pixels_y": pixels.coordinates[:, 1],
        "features_x": features.coordinates[:, 0], "features_y": features.coordinates[:, 1],
    }).assign(pixels_share=pixels.explained_variance_ratio.sum(),
              features_share=features.explained_variance_ratio.sum(),
              pixels_map_vote=neighbour_agreement(pixels.coordinates, labels),
              features_map_vote=neighbour_agreement(features.coordinates, labels),
              pixels_full_vote=neighbour_agreement(images / 255.0, labels),
              features_full_vote=neighbour_agreement(hidden, labels), hidden_units=hidden.shape[1])


@st.fragment
def overview() -> None:
    mnist = shared_mnist()
    train, test = split_summary("train"), split_summary("test")
    left, middle, right = st.columns(3)
    left.metric("Training images", f"{len(mnist.y_train):,}")
    middle.metric("Test images", f"{len(mnist.y_test):,}")
    right.metric("Image size", "28 × 28 px")
    counts = pd.DataFrame({"digit": [str(d) for d in DIGITS] * 2,
                           "split": ["train"] * 10 + ["test"] * 10,
                           "images": np.concatenate([train["counts"], test["counts"]])})
    st.subheader("How many of each digit")
    st.altair_chart(
        alt.Chart(counts, height=220).mark_bar().encode(
            x=alt.X("digit:N", axis=alt.Axis(labelAngle=0)), xOffset=alt.XOffset("split:N", sort=["train", "test"]), y="images:Q",
            color=alt.Color("split:N", sort=["train", "test"]), tooltip=["split", "digit", "images"]),
        width="stretch")
    st.subheader("The average of each digit")
    st.caption("Every training image of a digit, averaged pixel by pixel: the blur shows how much "
               "people's handwriting varies.")
    st.image(image_strip(train["means"]), width="stretch")
    st.subheader("Pixel values")
    stats = pd.DataFrame({"train": train["stats"], "test": test["stats"]})
    counts_by_value, edges = train["histogram"]
    histogram = pd.DataFrame({"value": edges[:-1], "pixels": counts_by_value})
    table, chart = st.columns([2, 3])
    table.dataframe(stats.style.format("{:.3f}"), width="stretch")
    chart.altair_chart(alt.Chart(histogram, height=200, title="Non-zero pixel values (train)")
                       .mark_bar().encode(x=alt.X("value:Q", bin="binned", title="value (0-255)"),
                                          x2=alt.X2("value_end:Q"), y="pixels:Q")
                       .transform_calculate(value_end=f"datum.value + {edges[1] - edges[0]}"),
                       width="stretch")


def restart_gallery() -> None:
    st.session_state.gallery_page = 1
    st.session_state.gallery_sample = None


def forget_sample() -> None:
    st.session_state.gallery_sample = None


@st.fragment
def gallery() -> None:
    mnist = shared_mnist()
    recognizer = active_recognizer_or_stop()
    keep_across_pages("gallery_digit", "gallery_page", gallery_split="train")  # here: a fragment's reruns count too
    split_col, digit_col, page_col = st.columns(3)
    split = split_col.segmented_control("Split", ["train", "test"], key="gallery_split",
                                      on_change=restart_gallery)
    digit = digit_col.selectbox("Digit", ["all", *DIGITS], key="gallery_digit", on_change=restart_gallery)
    images, labels = mnist.split(split or "train")
    indices = matching_indices(labels, None if digit == "all" else digit)
    pages = page_count(len(indices), PER_PAGE)
    st.session_state.setdefault("gallery_page", 1)
    page = page_col.number_input(f"Page (of {pages:,})", 1, pages, key="gallery_page",
                             on_change=forget_sample)
    if st.button("Random sample", icon=":material/casino:", key="gallery_random"):
        st.session_state.gallery_sample = np.sort(np.random.default_rng().choice(indices, min(PER_PAGE, len(indices)), replace=False))
    sample = st.session_state.get("gallery_sample")
    shown = sample if sample is not None else page_of(indices, page - 1, PER_PAGE)
    st.image(compose_grid(images[shown], [f"{i}:{labels[i]}" for i in shown], columns=20),
             caption=f"{len(indices):,} images; each is captioned index:label", width="stretch")
    chosen = st.selectbox("Look closer at image", shown, key="gallery_chosen",
                          format_func=lambda i: f"#{i} (label {labels[i]})")
    image_col, probability_col = st.columns(2)
    with image_col:
        st.markdown(f"**#{chosen}, labelled {labels[chosen]}**: pixel values (hover for each one)")
        st.altair_chart(pixel_heatmap(images[chosen]))
    with probability_col:
        probabilities = recognizer.probabilities(images[chosen] / 255.0)
        st.metric("The model reads", int(probabilities.argmax()), help="Its probabilities below.")
        st.vega_lite_chart(probability_chart(probabilities), width="stretch")


@st.fragment
def data_map_section() -> None:
    recognizer = active_recognizer_or_stop()
    frame = data_map(recognizer.key, recognizer)
    st.caption(f"{len(frame):,} test images ({MAP_POINTS_PER_DIGIT} per digit) placed by their two "
               "principal components. Hover for the label, scroll to zoom, drag to pan.")
    charts = []
    for prefix, title in (("pixels", "Raw pixels"), ("features", "Last hidden layer")):
        share = frame[f"{prefix}_share"].iloc[0]
        charts.append(
            alt.Chart(frame, height=420, title=f"{title} ({share:.0%} of variance)")
            .mark_circle(size=18, opacity=0.7)
            .encode(x=alt.X(f"{prefix}_x:Q", title="component 1"), y=alt.Y(f"{prefix}_y:Q", title="component 2"),
                    color=alt.Color("digit:N", scale=alt.Scale(scheme="category10")),
                    tooltip=["digit", "index"])
            .interactive())
    pixels_col, features_col = st.columns(2)
    pixels_col.altair_chart(charts[0], width="stretch")
    features_col.altair_chart(charts[1], width="stretch")
    vote = frame.iloc[0]
    st.caption(
        f"How well do the digits separate? A vote among each image's 5 nearest neighbours names its digit for "
        f"{vote.pixels_map_vote:.0%} of the images in the raw-pixel map and {vote.features_map_vote:.0%} in the "
        f"last-hidden-layer map. In all {28 * 28} pixel values the vote is right for {vote.pixels_full_vote:.0%}, "
        f"in all {vote.hidden_units} numbers of the last hidden layer for {vote.features_full_vote:.0%}: the "
        "network's layers do pull each digit together, which makes the last layer's job easy, but two principal "
        "components show only part of it, so some digits still overlap in this flat picture.")
    teacher_note("pca")
