"""Explore page: where the model goes wrong on the test set, and how it fares when images change."""

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from mlcore.embedding import stratified_sample
from mlcore.evaluation import confusion_matrix, largest_confusions, mistakes, overall_accuracy, per_class_accuracy
from mlcore.gallery import compose_grid
from mlcore.inference import a_digit
from mlcore.robustness import SWEEPS, accuracy_curve
from ui.inside import teacher_note
from ui.robustness_charts import accuracy_chart
from ui.state import active_recognizer_or_stop, shared_mnist, shared_recognizer, test_set_probabilities
from ui.widgets import confusion_chart

DIGITS = list(range(10))


def show_clicked_cell() -> None:
    clicked = st.session_state.errors_matrix.selection.get("cell") or []
    if clicked:
        st.session_state.errors_true = int(clicked[0]["true"])
        st.session_state.errors_predicted = int(clicked[0]["predicted"])


@st.fragment
def model_errors() -> None:
    mnist = shared_mnist()
    recognizer = active_recognizer_or_stop()
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
    mnist = shared_mnist()
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


ROBUSTNESS_PER_DIGIT = 20


@st.cache_data(max_entries=8, show_spinner="Transforming test images and reading them…")
def robustness_curves(model_key: str, _recognizer) -> pd.DataFrame:
    """Accuracy on a fixed stratified subsample of the test set under every sweep's (coarse) steps."""
    mnist = shared_mnist()
    chosen = stratified_sample(mnist.y_test, ROBUSTNESS_PER_DIGIT, seed=1)
    images, labels = mnist.x_test[chosen], mnist.y_test[chosen]
    frames = [pd.DataFrame({"transformation": name, "value": sweep.coarse_values,
                            "accuracy": accuracy_curve(_recognizer.predict_batch, images, labels, sweep,
                                                       sweep.coarse_values)})
              for name, sweep in SWEEPS.items()]
    return pd.concat(frames, ignore_index=True)


@st.fragment
def robustness_section() -> None:
    recognizer = active_recognizer_or_stop()
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
