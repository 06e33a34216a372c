"""The views of the "Inside the network" page: layer by layer, why this answer, where it breaks."""

from __future__ import annotations

import numpy as np
import streamlit as st

from mlcore.activations import CONVOLUTION, DENSE, INPUT, POOLING, SOFTMAX, ActivationProbe
from mlcore.inference import Recognition, Recognizer
from mlcore.robustness import SWEEPS, sweep_one
from mlcore.saliency import Saliency
from ui import pictures
from ui.robustness_charts import flip_sentence, sweep_chart
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
                 "the image in from black (the baseline) in 128 steps and adds up, pixel by pixel, how much each "
                 "bit of ink raised (orange) or lowered (blue) the digit's score; the pixels' shares add up to "
                 "the score's change from a black image. It works for any network. It judges every pixel on "
                 "its own, so neighbouring pixels of one stroke can push opposite ways: the map looks speckled, "
                 "and single pixels matter less than where orange or blue gathers. Black background pixels "
                 "always get 0 (there is no ink to credit). "
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
        maps = pictures.feature_map_grid(values, columns=columns, cell=cell)
        st.image(maps, width=maps.shape[1],
                 caption=f"{values.shape[-1]} feature maps, one per filter; black = 0, yellow = the layer's largest value")
        if filters is not None:  # the same grid, so filter n sits where map n sits
            st.image(pictures.filter_grid(filters, columns=columns, cell=cell), width=maps.shape[1],
                     caption=f"The {len(filters)} learnt {filters.shape[1]}×{filters.shape[2]} filters of this first "
                             "convolution, in the same order as the maps above: orange weights add the pixel, blue ones subtract it")
    else:
        st.image(pictures.unit_grid(values.ravel(), columns=32 if values.size > 64 else 16, cell=20),
                 caption=f"{values.size} units, row by row; black = 0 (off), yellow = the largest")


@st.cache_data(max_entries=16, show_spinner="Computing the saliency maps…")
def saliency_maps(model_key: str, image_bytes: bytes, classes: tuple[int, int], _recognizer: Recognizer):
    """Integrated gradients (about 0.4 s: 2 × 128 gradients) and Grad-CAM (None without a convolution)
    for one 28x28 float32 image given as bytes, computed once per drawing, model and classes."""
    saliency = saliency_for(model_key, _recognizer)
    image28 = np.frombuffer(image_bytes, np.float32).reshape(28, 28)
    integrated = saliency.integrated_gradients(image28, list(classes))
    return integrated, saliency.gradcam(image28, list(classes)) if saliency.has_gradcam else None


UNLIKELY_BELOW = 0.01
"""A runner-up under this probability is a very unlikely answer: its maps are dimmed."""


def saliency_view(recognizer: Recognizer, reading: Recognition) -> None:
    """Grad-CAM and integrated gradients for the predicted digit and the runner-up, over the drawing.
    When the app does not know (or is not sure), the maps are framed as what the network looked at
    for its guess, not as reasons the drawing is that digit."""
    image28, probabilities = reading.image, reading.probabilities
    top, runner_up = reading.digit, reading.runner_up
    integrated, cams = saliency_maps(recognizer.key, image28.astype(np.float32).tobytes(), (top, runner_up),
                                     recognizer)
    if not reading.is_one_digit:
        st.warning(f"I don't know what this is (see above), so these maps show what the network looked at for its "
                   f"guess, {top}: not reasons for the drawing to be a {top}.", icon=":material/help:")
    elif reading.is_unsure:
        st.info(f"The network is not sure ({reading.confidence:.1%} for {top}). These maps show what it looked at "
                f"for its guess and for the other candidate, {runner_up}.", icon=":material/help:")
    if cams is None:
        st.info("This model has no convolution, so Grad-CAM has nothing to look at; integrated gradients "
                "works for any network.", icon=":material/info:")
    st.caption("Each map is scaled on its own (its strongest pixel is full colour), so compare where a map is "
               "bright, not how bright two maps are.")
    guessing = reading.is_unsure
    for digit, row in ((top, 0), (runner_up, 1)):
        chance = f"{probabilities[digit]:.1%}" if probabilities[digit] >= 0.001 else "under 0.1 %"
        unlikely = row == 1 and probabilities[digit] < UNLIKELY_BELOW
        if row == 0:
            title = f"**What it looked at for its guess, {digit}** ({chance})" if guessing else \
                f"**Why {digit}** (the answer, {chance})"
        else:
            title = f"**And for {digit}** (the runner-up, {chance})"
        st.markdown(title)
        if unlikely:
            st.caption(f"{digit} is a very unlikely answer ({chance}): these maps explain a score the network "
                       "all but rejected, so they are dimmed.")
        dim = 0.5 if unlikely else 1.0
        columns = st.columns(2)
        if cams is not None:
            columns[0].image(_dimmed(pictures.overlay(image28, cams[row], signed=False), dim), width=OVERLAY_SIDE,
                             caption=f"Grad-CAM for {digit}: bright = the regions that raised the score of {digit}")
        columns[1 if cams is not None else 0].image(
            _dimmed(pictures.overlay(image28, integrated[row], signed=True), dim), width=OVERLAY_SIDE,
            caption=f"Integrated gradients for {digit}: orange ink raised its score, blue ink lowered it, "
                    "grey barely mattered")
    teacher_note("saliency")


def _dimmed(picture: np.ndarray, factor: float) -> np.ndarray:
    return picture if factor == 1.0 else (picture * factor).astype(np.uint8)


def sweep_view(recognizer: Recognizer, image28: np.ndarray, sweep_name: str) -> None:
    """One image through one sweep: the transformed images, the answer at each step, where it changes."""
    sweep = SWEEPS[sweep_name]
    reading = sweep_one(recognizer.predict_batch, image28, sweep)
    original = reading.original_digit
    shown = sorted({0, len(sweep.values) - 1, *(list(sweep.values).index(value) for value in sweep.coarse_values)})
    st.image(pictures.labelled_strip(reading.images[shown], [f"{reading.values[i]:g}" for i in shown]),
             caption=f"The image at {'every step' if len(shown) == len(sweep.values) else 'every other step'}, "
                     f"labelled with its {sweep.axis_title}")
    st.altair_chart(sweep_chart(reading, sweep), width="stretch")
    st.markdown(flip_sentence(reading, sweep))
    if sweep.name == "noise":
        st.markdown(noise_sentence(recognizer))
    gone = " Grey band: under 15 % of the untouched image's ink is left, so the answer there is a guess." \
        if reading.ink_nearly_gone.any() else ""
    st.caption(f"Points: the answer (one colour per digit) and its probability; dashed line: the probability of "
               f"{original}, the answer for the untouched image; red line: the first step on each side where the "
               f"answer is no longer {original}.{gone}")
    teacher_note("robustness")


@st.cache_data(max_entries=8, show_spinner=False)
def _noise_alone(model_key: str, _recognizer: Recognizer) -> int:
    """What the model reads in the noise sweep's strongest noise with no digit at all."""
    sweep = SWEEPS["noise"]
    blank = sweep.apply(np.zeros((1, 28, 28), np.float32), sweep.values[-1])
    return int(_recognizer.predict_batch(blank)[0].argmax())


def noise_sentence(recognizer: Recognizer) -> str:
    """Why noise pulls answers towards one digit, with the digit this model reads in noise alone."""
    digit = _noise_alone(recognizer.key, recognizer)
    return (f"Why do noisy images drift to one answer? The network learnt from clean black backgrounds; speckles "
            f"all over the square are ink it has never seen there, and on noise alone, with no digit at all, "
            f"this network reads **{digit}**. The more noise, the more the speckles outweigh the digit.")
