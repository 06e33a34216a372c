"""Random distortions that make MNIST look like the many ways people draw on a canvas.

One affine warp per image (rotation, slant, scale, stretch, shift: a single interpolation, so
no compounding blur) and a random stroke weight (thicker by dilation, thinner by erosion).
Everything runs as batched TensorFlow ops inside the input pipeline.
"""

from __future__ import annotations

import math

import tensorflow as tf

MAX_ROTATION_DEG = 15.0
MAX_SHEAR = 0.3
SCALE_RANGE = (0.85, 1.12)
MAX_STRETCH = 0.12
MAX_SHIFT_PX = 2.5
THICKER_P = 0.3
MUCH_THICKER_P = 0.1
THINNER_P = 0.15


def augment_batch(images: tf.Tensor) -> tf.Tensor:
    """Distort a batch of (B, 28, 28, 1) float32 images in [0, 1]."""
    images = _random_stroke_weight(images)
    return _random_affine(images)


def _random_affine(images: tf.Tensor) -> tf.Tensor:
    batch = tf.shape(images)[0]
    side = tf.cast(tf.shape(images)[1], tf.float32)
    centre = (side - 1.0) / 2.0

    def uniform(low, high):
        return tf.random.uniform([batch], low, high)

    angle = uniform(-MAX_ROTATION_DEG, MAX_ROTATION_DEG) * (math.pi / 180.0)
    shear = uniform(-MAX_SHEAR, MAX_SHEAR)
    scale = uniform(*SCALE_RANGE)
    stretch = uniform(-MAX_STRETCH, MAX_STRETCH)
    sx, sy = scale * (1.0 + stretch), scale * (1.0 - stretch)
    cos, sin = tf.cos(angle), tf.sin(angle)
    # Forward map: p' = R @ Shear @ S @ (p - c) + c + t. The op wants the inverse (output -> input).
    a = cos * sx
    b = (cos * shear - sin) * sy
    c_ = sin * sx
    d = (sin * shear + cos) * sy
    det = a * d - b * c_
    ia, ib, ic, id_ = d / det, -b / det, -c_ / det, a / det
    tx, ty = uniform(-MAX_SHIFT_PX, MAX_SHIFT_PX), uniform(-MAX_SHIFT_PX, MAX_SHIFT_PX)
    ox, oy = centre + tx, centre + ty
    transforms = tf.stack(
        [ia, ib, centre - ia * ox - ib * oy, ic, id_, centre - ic * ox - id_ * oy,
         tf.zeros([batch]), tf.zeros([batch])],
        axis=1,
    )
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=transforms,
        output_shape=tf.shape(images)[1:3],
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="CONSTANT",
    )


def _random_stroke_weight(images: tf.Tensor) -> tf.Tensor:
    batch = tf.shape(images)[0]
    choice = tf.random.uniform([batch, 1, 1, 1])
    thicker = tf.nn.max_pool2d(images, 2, 1, "SAME")
    much_thicker = tf.nn.max_pool2d(images, 3, 1, "SAME")
    eroded = -tf.nn.max_pool2d(-images, 2, 1, "SAME")
    keeps_its_shape = tf.reduce_sum(eroded, [1, 2, 3], keepdims=True) > 0.4 * tf.reduce_sum(
        images, [1, 2, 3], keepdims=True
    )
    thinner = tf.where(keeps_its_shape, eroded, images)
    out = tf.where(choice < THICKER_P, thicker, images)
    out = tf.where((choice >= THICKER_P) & (choice < THICKER_P + MUCH_THICKER_P), much_thicker, out)
    thin_from = THICKER_P + MUCH_THICKER_P
    return tf.where((choice >= thin_from) & (choice < thin_from + THINNER_P), thinner, out)
