"""Inside the network: every stage's output for one image, from one traced call.

A network from `mlcore.model.build_model` is a chain of layers. Shown one by one, batch
normalisation, ReLU, dropout and flatten would bury the interesting parts, so the chain is read as
*stages*: a convolution together with the batch normalisation and ReLU that follow it, a pooling
layer, a dense layer with its ReLU, and the final softmax. Dropout (off when reading) and flatten
(a reshape) are folded into the stage before them.

`ActivationProbe` builds one `keras.Model` over all the stages' outputs and wraps it in a
`tf.function` with a fixed input signature, so one drawing's activations cost one traced call
(the Keras FAQ's "feature extraction" recipe: https://keras.io/getting_started/faq/).
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

CONVOLUTION, POOLING, DENSE, SOFTMAX, INPUT, OTHER = "convolution", "pooling", "dense", "softmax", "input", "other"

_PASSIVE = (keras.layers.Dropout, keras.layers.Flatten)
_FOLDED = (keras.layers.BatchNormalization, keras.layers.ReLU, keras.layers.Activation, keras.layers.LeakyReLU,
           *_PASSIVE)
_SOFTMAX_LAYERS = (keras.layers.Activation, keras.layers.Softmax)


@dataclass(frozen=True)
class Stage:
    """One step of the network as the page shows it."""

    kind: str
    """One of "input", "convolution", "pooling", "dense", "softmax", "other"."""
    layers: tuple[str, ...]
    """Names of the Keras layers in this stage, in order."""
    output: str
    """The layer whose output is the stage's (dropout and flatten change nothing worth showing)."""

    @property
    def name(self) -> str:
        return " + ".join(self.layers)


@dataclass(frozen=True)
class Activation:
    """A stage's output for one image."""

    stage: Stage
    values: np.ndarray
    """float32, without the batch axis: (height, width, channels) for maps, (units,) for vectors."""

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.values.shape)

    @property
    def description(self) -> str:
        return describe(self.stage, self.shape)


def stages(model: keras.Model) -> list[Stage]:
    """The model's layers grouped into stages, input first, softmax last.

    Raises ValueError for a model that is not a single chain of layers from one 28x28x1 input.
    """
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError("only models with one input and one output can be shown layer by layer")
    result = [Stage(INPUT, ("input",), "input")]
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    for index, layer in enumerate(layers):
        kind = _kind(layer, is_last=index == len(layers) - 1)
        previous = result[-1]
        if kind is None and (previous.kind != INPUT or isinstance(layer, _PASSIVE)):
            output = previous.output if isinstance(layer, _PASSIVE) else layer.name
            result[-1] = Stage(previous.kind, (*previous.layers, layer.name), output)
        elif kind == SOFTMAX and isinstance(layer, _SOFTMAX_LAYERS) and previous.kind != INPUT:
            result[-1] = Stage(SOFTMAX, (*previous.layers, layer.name), layer.name)
        else:
            result.append(Stage(kind or OTHER, (layer.name,), layer.name))
    if result[-1].output != model.layers[-1].name:
        raise ValueError("the model's last layer must be its output")
    return result


def _kind(layer: keras.layers.Layer, is_last: bool) -> str | None:
    if is_last and _is_softmax(layer):
        return SOFTMAX
    if isinstance(layer, keras.layers.Conv2D):
        return CONVOLUTION
    if isinstance(layer, keras.layers.MaxPooling2D | keras.layers.AveragePooling2D):
        return POOLING
    if isinstance(layer, keras.layers.Dense):
        return DENSE
    if isinstance(layer, _FOLDED):
        return None
    return OTHER


def _is_softmax(layer: keras.layers.Layer) -> bool:
    activation = getattr(layer, "activation", None)
    return isinstance(layer, keras.layers.Softmax) or getattr(activation, "__name__", "") == "softmax"


def describe(stage: Stage, shape: tuple[int, ...]) -> str:
    """One plain sentence saying what a stage does, with its numbers."""
    if stage.kind == INPUT:
        return "Your drawing as the network gets it: 28×28 pixels, 0 for black and 1 for white."
    if stage.kind == CONVOLUTION and len(shape) == 3:
        h, w, c = shape
        return (f"{c} small filters slide over the image before it; each gives a {h}×{w} map that lights up "
                f"where its pattern (an edge, a curve, a stroke end) appears. Negative values are set to 0 (ReLU).")
    if stage.kind == POOLING and len(shape) == 3:
        h, w, c = shape
        return (f"Each 2×2 square of every map is replaced by its largest value: {c} maps shrink to {h}×{w}, "
                f"keeping what was found and forgetting exactly where.")
    if stage.kind == DENSE:
        return (f"{shape[-1]} units, each a weighted sum of everything before it, then ReLU: "
                f"the network's summary of the drawing in {shape[-1]} numbers.")
    if stage.kind == SOFTMAX:
        return "Ten scores, one per digit, turned into probabilities that add up to 100 %."
    return f"Output of shape {'×'.join(map(str, shape))}."


class ActivationProbe:
    """All stages' outputs of a model for one image, from one traced call.

    `probe(image28)` returns one `Activation` per stage, in order (input first, softmax last).
    """

    def __init__(self, model: keras.Model):
        self.model = model
        self.stages = stages(model)
        outputs = [model.get_layer(stage.output).output for stage in self.stages[1:]]
        self._extractor = keras.Model(model.inputs, outputs, name=f"{model.name}_probe")
        self._forward = tf.function(
            lambda images: self._extractor(images, training=False),
            input_signature=[tf.TensorSpec((None, 28, 28, 1), tf.float32)],
        )
        self._forward(tf.zeros((1, 28, 28, 1)))

    def __call__(self, image28: np.ndarray) -> list[Activation]:
        """`image28`: (28, 28) float in [0, 1]. Returns len(self.stages) activations."""
        image = np.asarray(image28, dtype=np.float32).reshape(1, 28, 28, 1)
        outputs = self._forward(tf.constant(image))
        values = [image[0]] + [np.asarray(output)[0] for output in outputs]
        return [Activation(stage, value) for stage, value in zip(self.stages, values)]

    def first_filters(self) -> np.ndarray | None:
        """The first convolution's kernels as (filters, height, width) float32, or None without one.

        Only the first input channel is kept (the image is grey, so there is just one).
        """
        for layer in self.model.layers:
            if isinstance(layer, keras.layers.Conv2D):
                kernel = keras.ops.convert_to_numpy(layer.kernel)
                return np.moveaxis(kernel[:, :, 0, :], -1, 0).astype(np.float32)
        return None
