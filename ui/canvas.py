"""The drawing canvas, with its toolbar moved off the area where people draw.

streamlit-drawable-canvas floats its toolbar (undo, redo, clear) over the top-right corner of
the canvas, invisible until hovered, and a stroke that starts under it is lost; on a touch
screen, with no hover, a tap there can even hit "clear". A tiny companion component pins the
toolbar, always visible, just above the canvas instead, so every pixel of the canvas draws, and
hides the toolbar buttons a student has no use for (class names and labels from the component's
frontend bundle, streamlit_drawable_canvas/frontend/build). It also holds the canvas in place while
the component's own stylesheet is still loading (on a busy server it came after the canvas was
drawn, 288 px out of place, and a first stroke fell on the widgets below).

Every canvas keeps the session's last drawing (`last_drawing`), so a page can look at what was
drawn on another page until the student draws on its own canvas. (Redrawing it on the other
canvas through `initial_drawing` would make the toolbar's "reset" bring it back instead of
clearing the canvas.)
"""

from __future__ import annotations

import io

import numpy as np
import streamlit as st
from PIL import Image
from streamlit_drawable_canvas import CanvasResult, st_canvas

CANVAS_SIDE = 280
LAST_DRAWING = "last_drawing_png"

_PIN_TOOLBAR_JS = """
// The pencil ("Edit": switches drawing off) and the arrow ("Update the app with this drawing":
// the canvas already sends every stroke) mean nothing to a student; only undo, redo and clear stay.
const HIDDEN = [
  '.dc-icon-button[aria-label="Edit"]',
  '.dc-icon-button[aria-label="Update the app with this drawing"]',
  ".dc-toolbar-separator",
  ".dc-toolbar-contextual",
];

// The component's stylesheet is a <link> that can load after its script has drawn the canvas: until
// then the background canvas sits in the flow and pushes the drawing canvas 280 px down, under the
// widgets below it, where a student's first stroke lands on them. These rules (from its
// index-style.css) hold the canvas in place from the first frame.
const LAYOUT = ".dc-container{position:relative}.dc-background-canvas{position:absolute;top:0;left:0;z-index:0}";

export default function () {
  if (window.__digitCanvasToolbarPinned) return;
  window.__digitCanvasToolbarPinned = true;
  const css = LAYOUT + ".dc-toolbar{top:-3rem !important;opacity:1 !important;transition:none !important}"
    + HIDDEN.map((selector) => selector + "{display:none !important}").join("");
  const styled = (root) => {
    if (root.__toolbarPinned || !root.querySelector(".dc-toolbar")) return root.__toolbarPinned === true;
    const style = document.createElement("style");
    style.textContent = css;
    root.appendChild(style);
    return (root.__toolbarPinned = true);
  };
  // A watched shadow root is styled as soon as the canvas is put in it (a mutation observer's
  // callback runs before the browser paints); new shadow roots are looked for once a frame.
  const inRoots = new MutationObserver((records) => records.forEach((r) => styled(r.target.getRootNode())));
  const findRoots = () => {
    for (const host of document.querySelectorAll("*")) {
      const root = host.shadowRoot;
      if (!root || styled(root) || root.__watched) continue;
      root.__watched = true;
      inRoots.observe(root, { childList: true, subtree: true });
    }
  };
  let queued = false;
  new MutationObserver(() => {
    if (!queued) { queued = true; requestAnimationFrame(() => { queued = false; findRoots(); }); }
  }).observe(document.body, { childList: true, subtree: true });
  findRoots();
}
"""

_pin_toolbar = st.components.v2.component("digit_canvas_toolbar_pin", js=_PIN_TOOLBAR_JS)


def digit_canvas(stroke_width: int, key: str, width: int = CANVAS_SIDE, height: int = CANVAS_SIDE) -> CanvasResult:
    """A white-on-black canvas (square unless told otherwise, in CSS px) that sends its pixels on
    every stroke; a square one's drawing is kept as the session's last drawing."""
    _pin_toolbar(key=f"{key}_toolbar_pin")
    result = _canvas(stroke_width, key, width, height)
    if result.image_bytes is not None and width == height == CANVAS_SIDE:
        st.session_state[LAST_DRAWING] = result.image_bytes
    return result


def last_drawing() -> np.ndarray | None:
    """The last drawing on any canvas of this session, as RGBA uint8 (280, 280, 4), or None."""
    return canvas_rgba(st.session_state.get(LAST_DRAWING))


def canvas_rgba(png: bytes | None) -> np.ndarray | None:
    """A canvas PNG (as `CanvasResult.image_bytes`) as RGBA uint8 (H, W, 4), or None for None."""
    return None if png is None else np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def _canvas(stroke_width: int, key: str, width: int, height: int) -> CanvasResult:
    return st_canvas(
        stroke_width=stroke_width,
        stroke_color="#FFFFFF",
        background_color="#000000",
        width=width,
        height=height,
        drawing_mode="freedraw",
        return_image_data=True,
        key=key,
    )
