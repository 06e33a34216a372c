"""The drawing canvas, with its toolbar moved off the area where people draw.

streamlit-drawable-canvas floats its toolbar (undo, redo, clear) over the top-right corner of
the canvas, invisible until hovered, and a stroke that starts under it is lost; on a touch
screen, with no hover, a tap there can even hit "clear". A tiny companion component pins the
toolbar, always visible, just above the canvas instead, so every pixel of the canvas draws.
"""

from __future__ import annotations

import streamlit as st
from streamlit_drawable_canvas import CanvasResult, st_canvas

CANVAS_SIDE = 280

_PIN_TOOLBAR_JS = """
export default function () {
  if (window.__digitCanvasToolbarPinned) return;
  window.__digitCanvasToolbarPinned = true;
  const css = ".dc-toolbar{top:-3rem !important;opacity:1 !important;transition:none !important}";
  let queued = false;
  const schedule = () => {
    if (!queued) { queued = true; requestAnimationFrame(() => { queued = false; pin(); }); }
  };
  const observer = new MutationObserver(schedule);
  const pin = () => {
    for (const host of document.querySelectorAll("*")) {
      const root = host.shadowRoot;
      if (!root || root.__toolbarPinned) continue;
      if (root.querySelector(".dc-toolbar")) {
        const style = document.createElement("style");
        style.textContent = css;
        root.appendChild(style);
        root.__toolbarPinned = true;
      } else if (!root.__watched) {
        root.__watched = true;
        observer.observe(root, { childList: true, subtree: true });
      }
    }
  };
  observer.observe(document.body, { childList: true, subtree: true });
  pin();
}
"""

_pin_toolbar = st.components.v2.component("digit_canvas_toolbar_pin", js=_PIN_TOOLBAR_JS)


def digit_canvas(stroke_width: int, key: str, width: int = CANVAS_SIDE, height: int = CANVAS_SIDE) -> CanvasResult:
    """A white-on-black canvas (square unless told otherwise, in CSS px) that sends its pixels on
    every stroke."""
    _pin_toolbar(key=f"{key}_toolbar_pin")
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
