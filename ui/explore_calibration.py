"""Explore page: whether the model's confidence can be trusted, and when it answers "I don't know"."""

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from mlcore.calibration import logits_from_probabilities, reliability, softmax
from mlcore.inference import validation_digits
from mlcore.selective import coverage_accuracy_curve, evaluate
from ui.state import active_recognizer_or_stop, shared_mnist, test_set_probabilities


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
    mnist = shared_mnist()
    recognizer = active_recognizer_or_stop()
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
               "the network's features (its last feature map and last hidden layer) place the drawing far "
               "from every digit it knows (Mahalanobis distances, Lee et al. 2018). Measured on generated "
               "canvas drawings: "
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
