import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from mlcore.calibration import logits_from_probabilities, reliability, softmax
from mlcore.dataset_stats import class_counts, intensity_histogram, mean_images, pixel_statistics
from mlcore.embedding import neighbour_agreement, pca, penultimate_features, stratified_sample
from mlcore.inference import a_digit
from mlcore.evaluation import confusion_matrix, largest_confusions, mistakes, overall_accuracy, per_class_accuracy
from mlcore.gallery import compose_grid, matching_indices, page_count, page_of
from mlcore.inference import validation_digits
from mlcore.robustness import SWEEPS, accuracy_curve
from mlcore.selective import coverage_accuracy_curve, evaluate
from ui.inside import teacher_note
from ui.layout import page_frame
from ui.robustness_charts import accuracy_chart
from ui.state import (active_recognizer_or_stop, mnist_or_stop, model_label, model_picker, shared_recognizer,
                      test_set_probabilities)
from ui.widgets import confusion_chart, image_strip, pixel_heatmap, probability_chart

PER_PAGE = 100
MAP_POINTS_PER_DIGIT = 150
DIGITS = list(range(10))

page_frame("pages/explore.py")
st.title("Explore MNIST")
mnist = mnist_or_stop()
model_picker()
recognizer = active_recognizer_or_stop()
st.caption(f"70,000 handwritten digits: 60,000 to learn from, 10,000 to test on. "
           f"Model: {model_label(recognizer)}.")


@st.cache_data(show_spinner=False)
def split_summary(split: str) -> dict:
    images, labels = mnist.split(split)
    return {"counts": class_counts(labels), "means": mean_images(images, labels),
            "stats": pixel_statistics(images), "histogram": intensity_histogram(images)}


@st.cache_data(show_spinner="Projecting the images…")
def data_map(model_key: str) -> pd.DataFrame:
    chosen = stratified_sample(mnist.y_test, MAP_POINTS_PER_DIGIT)
    images = mnist.x_test[chosen]
    labels = mnist.y_test[chosen]
    pixels = pca(images)
    hidden = penultimate_features(recognizer.model, images)
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
    split_col, digit_col, page_col = st.columns(3)
    split = split_col.segmented_control("Split", ["train", "test"], default="train", key="gallery_split",
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


def show_clicked_cell() -> None:
    clicked = st.session_state.errors_matrix.selection.get("cell") or []
    if clicked:
        st.session_state.errors_true = int(clicked[0]["true"])
        st.session_state.errors_predicted = int(clicked[0]["predicted"])


@st.fragment
def model_errors() -> None:
    probabilities = test_set_probabilities(recognizer.key, recognizer)
    predicted = probabilities.argmax(axis=1)
    confusion = confusion_matrix(mnist.y_test, predicted)
    wrong = int(confusion.sum() - np.trace(confusion))
    accuracy_col, wrong_col = st.columns(2)
    accuracy_col.metric("Test accuracy", f"{overall_accuracy(confusion):.2%}")
    wrong_col.metric("Misread test images", f"{wrong:,} of {len(predicted):,}")
    common = largest_confusions(confusion, 1)
    default_true, default_predicted = (common[0][0], common[0][1]) if common else (4, 9)
    st.session_state.setdefault("errors_true", default_true)
    st.session_state.setdefault("errors_predicted", default_predicted)
    matrix_col, cell_col = st.columns([1, 1], gap="large")
    with matrix_col:
        st.subheader("Confusion matrix")
        st.caption("Rows: the true digit. Columns: what the model read. The diagonal is right. "
                   "Click a red cell to see those mistakes next to the matrix; the chosen cell is outlined.")
        chosen_cell = (st.session_state.errors_true, st.session_state.errors_predicted)
        st.altair_chart(confusion_chart(confusion, chosen_cell), width="stretch", key="errors_matrix",
                        on_select=show_clicked_cell, selection_mode="cell")
    with cell_col:
        st.subheader("Where it goes wrong")
        cell_mistakes(confusion, probabilities)
    st.subheader("Mistakes per digit")
    per_class = pd.DataFrame({"digit": [str(d) for d in DIGITS], "error": 1 - per_class_accuracy(confusion)})
    st.altair_chart(alt.Chart(per_class, height=220).mark_bar(color="#ff4b4b").properties(
        padding={"left": 5, "top": 5, "right": 16, "bottom": 5}).encode(
        x=alt.X("digit:N", axis=alt.Axis(labelAngle=0), scale=alt.Scale(paddingOuter=0.3)),
        y=alt.Y("error:Q", title="misread", axis=alt.Axis(format="%")),
        tooltip=["digit", alt.Tooltip("error:Q", format=".2%")]), width="stretch")


def cell_mistakes(confusion: np.ndarray, probabilities: np.ndarray) -> None:
    """The chosen cell's test images, most confident first."""
    true_col, predicted_col = st.columns(2)
    true_digit = true_col.selectbox("True digit", DIGITS, key="errors_true")
    predicted_digit = predicted_col.selectbox("Read as", DIGITS, key="errors_predicted")
    if true_digit == predicted_digit:
        st.info(f"That cell holds the {confusion[true_digit, true_digit]:,} images of {true_digit} the model "
                "read correctly. Pick two different digits to see its mistakes.")
        return
    chosen = mistakes(mnist.y_test, probabilities, true_digit, predicted_digit)
    if len(chosen) == 0:
        st.success(f"The model never read {a_digit(true_digit)} as {a_digit(predicted_digit)}.")
        return
    st.markdown(f"**{len(chosen)} test images of {true_digit} read as {predicted_digit}**, most confident first:")
    captions = [f"{i} {probabilities[i, predicted_digit]:.0%}" for i in chosen]
    st.image(compose_grid(mnist.x_test[chosen], captions, columns=6, cell=72),
             caption="index and the model's confidence in its wrong answer")
    st.caption("Test-set indices, to find them in the gallery: " + ", ".join(str(i) for i in chosen))


@st.fragment
def data_map_section() -> None:
    frame = data_map(recognizer.key)
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


ROBUSTNESS_PER_DIGIT = 20


@st.cache_data(max_entries=8, show_spinner="Transforming test images and reading them…")
def robustness_curves(model_key: str, _recognizer) -> pd.DataFrame:
    """Accuracy on a fixed stratified subsample of the test set under every sweep's (coarse) steps."""
    chosen = stratified_sample(mnist.y_test, ROBUSTNESS_PER_DIGIT, seed=1)
    images, labels = mnist.x_test[chosen], mnist.y_test[chosen]
    frames = [pd.DataFrame({"transformation": name, "value": sweep.coarse_values,
                            "accuracy": accuracy_curve(_recognizer.predict_batch, images, labels, sweep,
                                                       sweep.coarse_values)})
              for name, sweep in SWEEPS.items()]
    return pd.concat(frames, ignore_index=True)


@st.fragment
def robustness_section() -> None:
    shipped = shared_recognizer()
    models = {"shipped model": shipped}
    if recognizer.key != shipped.key:
        models[f"your model ({recognizer.model.name})"] = recognizer
    st.caption(f"Test-set accuracy when every image is changed the same way, on {ROBUSTNESS_PER_DIGIT * 10} test "
               f"images ({ROBUSTNESS_PER_DIGIT} of each digit). "
               + ("Pick another model in the sidebar to compare it with the shipped one."
                  if len(models) == 1 else "The shipped model against yours."))
    curves = pd.concat([robustness_curves(model.key, model).assign(model=label) for label, model in models.items()])
    columns = st.columns(3)
    for n, (name, sweep) in enumerate(SWEEPS.items()):
        frame = curves[curves.transformation == name]
        columns[n % 3].altair_chart(accuracy_chart(frame, sweep), width="stretch")
    st.caption("Try one drawing or test image step by step in the robustness lab on the Inside the network page.")
    teacher_note("robustness")


@st.cache_data(max_entries=4, show_spinner="Drawing 400 digits and 280 non-digits and reading each…")
def unsure_report(model_key: str, _recognizer):
    return evaluate(_recognizer, digits=400, non_digits=280)


@st.cache_data(max_entries=8, show_spinner="Reading the 5,000 validation images…")
def validation_logits(model_key: str, _recognizer) -> tuple[np.ndarray, np.ndarray]:
    """The model's logits (5000, 10) on the validation split the temperature is fitted on, and its labels."""
    images, labels = validation_digits()
    return _recognizer.features_and_logits(images)[1], labels


def calibration_table(splits: dict[str, tuple]) -> str:
    """A markdown table of the calibration error before and after scaling on each split."""
    lines = ["| | images | error before | after temperature scaling |", "| --- | ---: | ---: | ---: |"]
    lines += [f"| {name} | {count:,} | {before.ece:.2%} | {after.ece:.2%} |"
              for name, (count, before, after) in splits.items()]
    return "\n".join(lines)


@st.fragment
def calibration_section() -> None:
    st.subheader("Calibration: is \"90 % sure\" right 90 % of the time?")
    raw = test_set_probabilities(recognizer.key, recognizer)
    temperature = recognizer.temperature
    before = reliability(raw, mnist.y_test)
    after = reliability(softmax(logits_from_probabilities(raw), temperature), mnist.y_test)
    val_logits, val_labels = validation_logits(recognizer.key, recognizer)
    val_before, val_after = reliability(softmax(val_logits), val_labels), reliability(softmax(val_logits, temperature),
                                                                                     val_labels)
    t_col, table_col = st.columns([1, 3])
    t_col.metric("Temperature T", f"{temperature:.3f}",
                 help="Fitted on the 5,000 validation images, held out of training.")
    table_col.markdown(calibration_table({
        "Validation split (T fitted here)": (len(val_labels), val_before, val_after),
        "MNIST test set": (len(mnist.y_test), before, after)}))
    fitted = "lowers" if val_after.ece < val_before.ece else "does not lower"
    gap = abs(after.ece - before.ece)
    st.caption(
        f"Expected calibration error, 15 bins: the gap between confidence and accuracy, averaged over the bins. "
        f"T was fitted on the validation split (minimising the negative log-likelihood), where it {fitted} the "
        f"error. On the test set the two errors differ by {gap:.2%}, about {gap * len(mnist.y_test):.0f} images' "
        f"worth of confidence out of {len(mnist.y_test):,}: "
        + ("this network is already calibrated on MNIST, and a change this small is noise. "
           if max(before.ece, after.ece) < 0.01 else "")
        + "Temperature scaling matters most for networks trained briefly on the Train page.")
    rows = pd.DataFrame([{**row, "probabilities": name} for name, table in (("before", before), ("after", after))
                         for row in table.rows()])
    diagonal = alt.Chart(pd.DataFrame({"x": [0, 1]})).mark_line(color="#8c8c8c", strokeDash=[4, 4]).encode(
        x="x:Q", y="x:Q")
    reliability_chart = alt.Chart(rows, height=320, title="Reliability diagram (MNIST test set)").encode(
        x=alt.X("confidence:Q", title="confidence (mean in bin)", scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("accuracy:Q", title="accuracy in bin", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("probabilities:N", scale=alt.Scale(domain=["before", "after"], range=["#8c8c8c", "#ff4b4b"]),
                        legend=alt.Legend(orient="top")),
        tooltip=["probabilities", alt.Tooltip("bin_low:Q", format=".2f"), alt.Tooltip("bin_high:Q", format=".2f"),
                 alt.Tooltip("confidence:Q", format=".3f"), alt.Tooltip("accuracy:Q", format=".3f"),
                 alt.Tooltip("count:Q", title="images in bin", format=",")])
    lines = reliability_chart.mark_line(opacity=0.6)
    points = reliability_chart.mark_circle(opacity=0.9).encode(
        size=alt.Size("count:Q", title="images in bin", scale=alt.Scale(type="log", range=[15, 400]),
                      legend=alt.Legend(orient="bottom", format="~s")))
    st.altair_chart(diagonal + lines + points, width="stretch")
    st.caption(f"Each point is a bin of answers given at about that confidence; its size is how many test images "
               f"fall in it (hover for the count). {before.count[-1]:,} of {len(mnist.y_test):,} answers are in "
               "the top bin; a small point holds only a few images, so its accuracy is rough.")
    with st.expander("What calibration means", icon=":material/school:"):
        st.markdown(
            "A model is *calibrated* when its confidence matches how often it is right: of all the "
            "answers given at about 80 %, about 80 % should be right. Points on the dashed diagonal "
            "are calibrated; points below it are over-confident. **Temperature scaling** (Guo et al., "
            "2017) divides the network's logits by one number T before the softmax, fitted on images "
            "held out of training; T > 1 makes the answers less sure, and the predicted digit never "
            "changes. The calibration error is the gap between confidence and accuracy, averaged over "
            "the bins. MNIST is easy, so almost every test image falls in the top bin.")
    st.subheader("When to say \"I don't know\"")
    st.caption("The Draw page does not answer when the ink holds several digits side by side, or when "
               "the network's last hidden layer places the drawing far from every digit it knows "
               "(the Mahalanobis distance, Lee et al. 2018). Measured on generated canvas drawings: "
               "digits in many styles, and letters, scribbles, lines, crosses, shapes and pairs of digits.")
    measured = f"unsure_measured_{recognizer.key}"
    if not st.session_state.get(measured):
        if not st.button("Measure it on generated drawings", icon=":material/play_arrow:", key="measure_unsure"):
            return
        st.session_state[measured] = True
    report = unsure_report(recognizer.key, recognizer)
    flagged_col, answered_col = st.columns(2)
    flagged_col.metric("Non-digits answered \"I don't know\"", f"{report.flagged_share:.1%}",
                       help=f"of {report.non_digits} generated non-digits")
    answered_col.metric("Digits answered, and right", f"{report.answered_right_share:.1%}",
                        help=f"of {report.digits} generated canvas-style digits")
    curves = pd.DataFrame([{**row, "threshold on": name} for score, name in
                           (("confidence", "calibrated confidence"), ("distance", "Mahalanobis distance"))
                           for row in coverage_accuracy_curve(report, score)])
    answered = report.digits - report.digits_flagged + report.non_digits - report.non_digits_flagged
    chosen = pd.DataFrame([{"coverage": answered / (report.digits + report.non_digits),
                            "accuracy": report.digits_answered_right / max(answered, 1), "label": "the app"}])
    lines = alt.Chart(curves, height=320, title="Coverage against accuracy, digits and non-digits mixed").mark_line(
        point=alt.OverlayMarkDef(size=20)).encode(
        x=alt.X("coverage:Q", title="share of drawings answered", axis=alt.Axis(format="%")),
        y=alt.Y("accuracy:Q", title="share of answers right", axis=alt.Axis(format="%"),
                scale=alt.Scale(zero=False)),
        color="threshold on:N",
        tooltip=["threshold on", alt.Tooltip("threshold:Q", format=".3g"), alt.Tooltip("coverage:Q", format=".1%"),
                 alt.Tooltip("accuracy:Q", format=".1%"), alt.Tooltip("non_digits_flagged:Q", format=".1%"),
                 alt.Tooltip("digits_answered_right:Q", format=".1%")])
    point = alt.Chart(chosen).mark_point(shape="diamond", size=160, filled=True, color="black").encode(
        x="coverage:Q", y="accuracy:Q", tooltip=["label", alt.Tooltip("coverage:Q", format=".1%"),
                                                 alt.Tooltip("accuracy:Q", format=".1%")])
    st.altair_chart(lines + point, width="stretch")
    st.caption("Each line moves one threshold: answering less often (left) makes the answers more often "
               "right. An answer to a non-digit counts as wrong. The diamond is what the app does.")


SECTIONS = {"Overview": overview, "Gallery": gallery, "Model errors": model_errors, "Map of the data": data_map_section,
            "Under change": robustness_section, "Calibration": calibration_section}
for tab, draw_section in zip(st.tabs(list(SECTIONS), key="explore_tab", on_change="rerun"), SECTIONS.values()):
    if tab.open:
        with tab:
            draw_section()
