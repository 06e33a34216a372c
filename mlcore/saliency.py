"""Why this answer: which pixels of the input made the network choose a digit.

Two methods, both computed for a chosen class (the predicted digit, the runner-up):

- Grad-CAM (Selvaraju et al. 2017, "Grad-CAM: Visual Explanations from Deep Networks via
  Gradient-based Localization", https://arxiv.org/abs/1610.02391): the last convolution's feature
  maps, each weighted by the average gradient of the class score over it, summed, ReLU, scaled up
  to 28x28. Coarse (one value per cell of the last feature map) and only for networks with a
  convolution.
- Integrated gradients (Sundararajan et al. 2017, "Axiomatic Attribution for Deep Networks",
  https://arxiv.org/abs/1703.01365): the gradient of the class score averaged along the straight
  path from a black image to the input, times the input. Works for any differentiable model (the
  Tiny MLP too); attributions add up to score(input) - score(black image) ("completeness"), and a
  pixel the model never looks at gets exactly zero.

The class score is the logit (the value before softmax), as in both papers.
"""

from __future__ import annotations

import cv2
import keras
import numpy as np
import tensorflow as tf

from mlcore.activations import CONVOLUTION, stages

IG_STEPS = 128
"""Points on the path from the black image to the input (midpoint rule). Sundararajan et al. suggest
20-300 and checking that the attributions add up to the change in score within 5 %: with 32 steps
they missed by up to 18 % on drawn digits, with 128 by under 2 %."""


class Saliency:
    """Grad-CAM and integrated gradients for one model, each one traced call per image."""

    def __init__(self, model: keras.Model):
        self.model = model
        features, self._head = _logit_head(model)
        convolutions = [stage for stage in stages(model) if stage.kind == CONVOLUTION]
        self.last_convolution = convolutions[-1].output if convolutions else None
        """Name of the layer whose maps Grad-CAM weighs, or None for a network without convolutions."""
        self._logit_model = keras.Model(model.inputs, features)
        self._gradcam = None
        if self.last_convolution:
            maps = model.get_layer(self.last_convolution).output
            self._maps_model = keras.Model(model.inputs, [maps, features])
            self._gradcam = tf.function(self._gradcam_maps, input_signature=[
                tf.TensorSpec((None, 28, 28, 1), tf.float32), tf.TensorSpec((None,), tf.int32)])
        self._integrated = tf.function(self._integrated_gradients, input_signature=[
            tf.TensorSpec((28, 28, 1), tf.float32), tf.TensorSpec((None,), tf.int32)])

    @property
    def has_gradcam(self) -> bool:
        return self._gradcam is not None

    def logits(self, images28: np.ndarray) -> np.ndarray:
        """(N, 10) class scores before softmax for (N, 28, 28) float images in [0, 1]."""
        images = tf.constant(np.asarray(images28, np.float32).reshape(-1, 28, 28, 1))
        return self._head(self._logit_model(images, training=False)).numpy()

    def gradcam(self, image28: np.ndarray, classes: list[int]) -> np.ndarray:
        """(len(classes), 28, 28) float32 Grad-CAM maps scaled to [0, 1] (all zeros when nothing speaks
        for the class). Raises ValueError for a model without a convolution."""
        if not self.has_gradcam:
            raise ValueError("Grad-CAM needs a convolution; this model has none")
        image = np.asarray(image28, np.float32).reshape(1, 28, 28, 1)
        batch = tf.constant(np.repeat(image, len(classes), axis=0))
        cams = self._gradcam(batch, tf.constant(classes, tf.int32)).numpy()
        return np.stack([_scaled_to_input(cam) for cam in cams])

    def integrated_gradients(self, image28: np.ndarray, classes: list[int]) -> np.ndarray:
        """(len(classes), 28, 28) float32 attributions in logit units: positive where the ink speaks for
        the class, negative where it speaks against it, zero on black pixels."""
        image = tf.constant(np.asarray(image28, np.float32).reshape(28, 28, 1))
        return self._integrated(image, tf.constant(classes, tf.int32)).numpy()

    def _gradcam_maps(self, images: tf.Tensor, classes: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            maps, features = self._maps_model(images, training=False)
            scores = tf.gather(self._head(features), classes, batch_dims=1)
        gradients = tape.gradient(scores, maps)
        weights = tf.reduce_mean(gradients, axis=(1, 2), keepdims=True)
        return tf.nn.relu(tf.reduce_sum(weights * maps, axis=-1))

    def _integrated_gradients(self, image: tf.Tensor, classes: tf.Tensor) -> tf.Tensor:
        alphas = (tf.range(IG_STEPS, dtype=tf.float32) + 0.5) / IG_STEPS
        path = alphas[:, None, None, None] * image[None]
        count = tf.shape(classes)[0]
        batch = tf.tile(path, [count, 1, 1, 1])
        targets = tf.repeat(classes, IG_STEPS)
        with tf.GradientTape() as tape:
            tape.watch(batch)
            scores = tf.gather(self._head(self._logit_model(batch, training=False)), targets, batch_dims=1)
        gradients = tf.reshape(tape.gradient(scores, batch), (count, IG_STEPS, 28, 28))
        return tf.reduce_mean(gradients, axis=1) * image[None, :, :, 0]


def _logit_head(model: keras.Model):
    """The tensor the logits are computed from, and the function that computes them from it.

    The app's models end in Dense(10, activation="softmax"); the logits are that layer's
    pre-activation. A model ending in a separate Softmax/Activation layer has its input as logits.
    """
    last = model.layers[-1]
    if isinstance(last, keras.layers.Dense):
        if getattr(last.activation, "__name__", "") != "softmax":
            raise ValueError(f"the last layer {last.name} must end in softmax")
        kernel, bias = last.kernel, last.bias

        def dense_logits(features):
            logits = tf.matmul(features, tf.convert_to_tensor(kernel))
            return logits if bias is None else logits + tf.convert_to_tensor(bias)

        return last.input, dense_logits
    if isinstance(last, keras.layers.Softmax | keras.layers.Activation):
        return last.input, lambda features: features
    raise ValueError(f"cannot find the logits before {last.name}")


def _scaled_to_input(cam: np.ndarray) -> np.ndarray:
    cam = cv2.resize(cam.astype(np.float32), (28, 28), interpolation=cv2.INTER_LINEAR)
    top = float(cam.max())
    return cam / top if top > 0 else np.zeros_like(cam)
