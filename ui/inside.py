"""The views of the "Inside the network" page: layer by layer, why this answer, where it breaks."""

from __future__ import annotations

import numpy as np
import streamlit as st

from mlcore.activations import CONVOLUTION, DENSE, INPUT, POOLING, SOFTMAX, ActivationProbe
from mlcore.inference import Recognizer
from mlcore.robustness import SWEEPS, sweep_one
from mlcore.saliency import Saliency
from ui import pictures
from ui.robustness_charts import flip_sentence, identity_index, sweep_chart
from ui.widgets import probability_chart

TEACHER_NOTES = {
    INPUT: ("What the network gets",
            "A picture is a grid of numbers. MNIST images are 28×28 pixels, 0 for the black background up to 1 "
            "for white ink, so the network gets 784 numbers. Your drawing is first cropped, scaled and centred "
            "the way MNIST's digits were (see the Draw page)."),
    CONVOLUTION: ("What is a convolution? What is a feature map?",
                  "A convolution slides a small grid of weights (a *filter*, here 3×3) over the image. At every "
                  "position it multiplies the 9 pixels under it by the 9 weights and adds them up: a large result "
                  "means the pattern the filter encodes (say, a left-to-right edge) is there. Doing this at every "
                  "position gives a new image, a *feature map*, one per filter. A ReLU then sets negative values "
                  "to 0. The first layer's filters look at pixels; later layers look at the earlier maps, so they "
                  "find combinations: corners, curves, loops. The weights are not programmed: training learns them."),
    POOLING: ("What is pooling?",
              "Max-pooling keeps the largest value of each 2×2 square of a feature map, halving its width and "
              "height. The network keeps *whether* a pattern was found nearby and forgets its exact position, so "
              "a stroke a pixel to the left still counts, and later layers see a larger part of the image."),
    DENSE: ("What is a dense layer?",
            "Every unit of a dense (fully connected) layer takes all the numbers of the layer before, multiplies "
            "each by its own learnt weight, adds them up and applies ReLU. Each unit ends up responding to a "
            "combination of features found anywhere in the image."),
    SOFTMAX: ("What is softmax?",
              "The last layer gives ten scores (logits), one per digit. Softmax turns them into probabilities: it "
              "raises e to each score and divides by the total, so all ten are positive and add up to 100 %. A "
              "score a few points above the others takes almost all the probability. A high probability is the "
              "network's confidence, not a guarantee: it can be confidently wrong on things unlike its training "
              "images."),
    "saliency": ("What is a saliency map?",
                 "A saliency map shows which pixels the answer depended on. **Grad-CAM** (Selvaraju et al., 2017) "
                 "asks the last convolution: how much would the digit's score grow if each feature map grew? It "
                 "weighs the maps by that, adds them up and keeps the positive part: a coarse heat map of the "
                 "regions that speak for the digit. **Integrated gradients** (Sundararajan et al., 2017) fades "
                 "the image in from black and adds up, pixel by pixel, how much each bit of ink raised (orange) or "
                 "lowered (blue) the digit's score; it needs no convolution, so it works for any network. "
                 "Neither proves *why* the network decided; they show where it looked."),
    "pca": ("What is a principal component?",
            "Each image is a list of numbers (784 pixels, or the last hidden layer's units). Principal component "
            "analysis finds the direction in which the images differ most (component 1), then the next one at "
            "right angles to it (component 2), and places every image by its position along those two. It is a "
            "flat shadow of a space with many more dimensions: points that overlap in the shadow may be far "
            "apart in the full space."),
    "robustness": ("Why does the answer change?",
                   "The network only learnt from the examples it saw. MNIST digits are upright, centred, of one "
                   "size and one pen; training added some variety (small rotations, shifts, thicker and thinner "
                   "strokes), so the answer holds for small changes and breaks for large ones. Where it breaks "
                   "shows what the network relies on; a network that is right on the test set can still be "
                   "fragile outside it."),
}


def teacher_note(kind: str) -> None:
    """A collapsed explanation for the teacher."""
    title, text = TEACHER_NOTES[kind]
    with st.expander(title, icon=":material/school:"):
        st.markdown(text)


@st.cache_resource(max_entries=8, show_spinner="Preparing to look inside the model…")
def probe_for(model_key: str, _recognizer: Recognizer) -> ActivationProbe:
    return ActivationProbe(_recognizer.model)


@st.cache_resource(max_entries=8, show_spinner="Preparing the saliency maps…")
def saliency_for(model_key: str, _recognizer: Recognizer) -> Saliency:
    return Saliency(_recognizer.model)


OVERLAY_SIDE = 252

STAGE_TITLES = {INPUT: "Input", CONVOLUTION: "Convolution", POOLING: "Pooling", DENSE: "Dense layer",
                SOFTMAX: "Softmax", "other": "Layer"}


def layers_view(recognizer: Recognizer, image28: np.ndarray) -> None:
    """Every stage's output in order, the first convolution's filters after the first convolution."""
    probe = probe_for(recognizer.key, recognizer)
    activations = probe(image28)
    filters = probe.first_filters()
    for number, activation in enumerate(activations, start=1):
        stage = activation.stage
        shape = " × ".join(map(str, activation.shape))
        st.markdown(f"**{number}. {STAGE_TITLES.get(stage.kind, 'Layer')}** · `{stage.name}` · {shape}")
        st.caption(activation.description)
        _stage_picture(activation, filters if number == 2 else None)
        if stage.kind in TEACHER_NOTES and stage.kind not in {a.stage.kind for a in activations[: number - 1]}:
            teacher_note(stage.kind)


def _stage_picture(activation, filters: np.ndarray | None) -> None:
    kind, values = activation.stage.kind, activation.values
    if kind == INPUT:
        st.image(pictures.grey(values[..., 0], 168), caption="28 × 28 input")
    elif kind == SOFTMAX:
        st.vega_lite_chart(probability_chart(values, height=180), width="stretch")
    elif values.ndim == 3:
        columns = 16 if values.shape[-1] > 32 else 8
        cell = max(28, min(84, 720 // columns))
        st.image(pictures.feature_map_grid(values, columns=columns, cell=cell),
                 caption=f"{values.shape[-1]} feature maps, one per filter; black = 0, yellow = the layer's largest value")
        if filters is not None:
            st.image(pictures.filter_grid(filters, columns=16, cell=36),
                     caption=f"The {len(filters)} learnt {filters.shape[1]}×{filters.shape[2]} filters of this first "
                             "convolution, in the same order as the maps above: orange weights add the pixel, blue ones subtract it")
    else:
        st.image(pictures.unit_grid(values.ravel(), columns=32 if values.size > 64 else 16, cell=20),
                 caption=f"{values.size} units, row by row; black = 0 (off), yellow = the largest")


def saliency_view(recognizer: Recognizer, image28: np.ndarray, probabilities: np.ndarray) -> None:
    """Grad-CAM and integrated gradients for the predicted digit and the runner-up, over the drawing."""
    saliency = saliency_for(recognizer.key, recognizer)
    top, runner_up = (int(d) for d in np.argsort(probabilities)[::-1][:2])
    classes = [top, runner_up]
    integrated = saliency.integrated_gradients(image28, classes)
    cams = saliency.gradcam(image28, classes) if saliency.has_gradcam else None
    if cams is None:
        st.info("This model has no convolution, so Grad-CAM has nothing to look at; integrated gradients "
                "works for any network.", icon=":material/info:")
    for digit, label, row in ((top, "the answer", 0), (runner_up, "the runner-up", 1)):
        chance = f"{probabilities[digit]:.1%}" if probabilities[digit] >= 0.001 else "under 0.1 %"
        st.markdown(f"**Why {digit}** ({label}, {chance})")
        columns = st.columns(2)
        if cams is not None:
            columns[0].image(pictures.overlay(image28, cams[row], signed=False), width=OVERLAY_SIDE,
                             caption=f"Grad-CAM for {digit}: bright = the regions that speak for {digit}")
        columns[1 if cams is not None else 0].image(
            pictures.overlay(image28, integrated[row], signed=True), width=OVERLAY_SIDE,
            caption=f"Integrated gradients for {digit}: orange ink raises its score, blue ink lowers it")
    teacher_note("saliency")


def sweep_view(recognizer: Recognizer, image28: np.ndarray, sweep_name: str) -> None:
    """One image through one sweep: the transformed images, the answer at each step, where it flips."""
    sweep = SWEEPS[sweep_name]
    reading = sweep_one(recognizer.predict_batch, image28, sweep)
    original = int(reading.digits[identity_index(sweep)])
    st.image(pictures.strip(reading.images, side=44), caption=f"The image at each step: {sweep.axis_title}")
    st.altair_chart(sweep_chart(reading, sweep, original), width="stretch")
    st.markdown(flip_sentence(reading))
    st.caption(f"Points: the answer and its probability; dashed line: the probability of {original}, the answer "
               "for the untouched image; red lines: where the answer changes.")
    teacher_note("robustness")
