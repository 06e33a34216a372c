"""Small display helpers shared by the pages."""

from __future__ import annotations

import altair as alt
import cv2
import numpy as np
import pandas as pd


def enlarge(image: np.ndarray, side: int = 140) -> np.ndarray:
    """A grey image padded to a square and scaled to `side` px, pixels kept visible, for `st.image`."""
    if image.dtype != np.uint8:
        image = np.clip(image * 255, 0, 255).astype(np.uint8)
    h, w = image.shape[:2]
    square = np.zeros((max(h, w), max(h, w)), dtype=np.uint8)
    square[(len(square) - h) // 2 :][:h, (len(square) - w) // 2 :][:, :w] = image
    interpolation = cv2.INTER_NEAREST if side >= len(square) else cv2.INTER_AREA
    return cv2.resize(square, (side, side), interpolation=interpolation)


def probability_chart(probabilities: np.ndarray, height: int = 220) -> dict:
    """Ten bars on a fixed 0-1 scale, the most likely digit highlighted, as a Vega-Lite spec for
    `st.vega_lite_chart`.

    Written as a plain spec rather than an Altair chart: Altair validates its spec against the
    Vega-Lite JSON schema when Streamlit serialises it, about 30 ms of CPU for these ten bars,
    and the Draw page draws this chart on every stroke.
    """
    top = str(int(np.argmax(probabilities)))
    return {
        "height": height,
        "data": {"values": [{"digit": str(d), "probability": float(p)} for d, p in enumerate(probabilities)]},
        "mark": {"type": "bar"},
        "encoding": {
            "x": {"field": "digit", "type": "nominal", "sort": None, "axis": {"labelAngle": 0, "title": "digit"}},
            "y": {"field": "probability", "type": "quantitative", "scale": {"domain": [0, 1]},
                  "axis": {"format": "%"}},
            "color": {"condition": {"test": f"datum.digit === '{top}'", "value": "#ff4b4b"}, "value": "#8c8c8c"},
            "tooltip": [{"field": "digit", "type": "nominal"},
                        {"field": "probability", "type": "quantitative", "format": ".2%"}],
        },
    }


def pixel_heatmap(image: np.ndarray, size: int = 300) -> alt.Chart:
    """A 28x28 image as a heat map of its pixel values (0-255), each value on hover."""
    rows, columns = np.indices(image.shape)
    frame = pd.DataFrame({"row": rows.ravel(), "column": columns.ravel(), "value": image.ravel()})
    return (
        alt.Chart(frame, width=size, height=size)
        .mark_rect()
        .encode(
            x=alt.X("column:O", axis=None),
            y=alt.Y("row:O", axis=None),
            color=alt.Color("value:Q", scale=alt.Scale(scheme="greys", domain=[0, 255]), legend=None),
            tooltip=["row", "column", "value"],
        )
    )


def image_strip(images: np.ndarray, side: int = 84, gap: int = 6) -> np.ndarray:
    """Several small images side by side as one picture, white on black, with gaps."""
    tiles = [enlarge(image, side) for image in images]
    spacer = np.full((side, gap), 255, dtype=np.uint8)
    return np.hstack([part for tile in tiles for part in (tile, spacer)][:-1])


def confusion_chart(confusion: np.ndarray, chosen: tuple[int, int] | None = None) -> alt.LayerChart:
    """Counts of (true, predicted) digits; the off-diagonal cells are clickable (selection "cell"), the
    `chosen` (true, predicted) cell is outlined."""
    matrix = pd.DataFrame([(t, p, int(confusion[t, p])) for t in range(10) for p in range(10)],
                          columns=["true", "predicted", "images"])
    cell = alt.selection_point(name="cell", fields=["true", "predicted"])
    off_diagonal = matrix[(matrix.true != matrix.predicted) & (matrix.images > 0)]
    heat = alt.Chart(off_diagonal, height=360).mark_rect(cursor="pointer").encode(
        x=alt.X("predicted:O", axis=alt.Axis(orient="top", labelAngle=0)), y="true:O",
        color=alt.Color("images:Q", scale=alt.Scale(scheme="reds"), legend=None),
        tooltip=["true", "predicted", "images"]).add_params(cell)
    darkest = max(1, int(off_diagonal.images.max())) if len(off_diagonal) else 1
    # white on the dark half of the "reds" scale, dark text elsewhere (the diagonal has no colour)
    light = (alt.datum.true != alt.datum.predicted) & (alt.datum.images > darkest / 2)
    counts = alt.Chart(matrix).mark_text(fontSize=12).encode(
        x="predicted:O", y="true:O", text="images:Q", color=alt.condition(light, alt.value("white"), alt.value("#262730")))
    if chosen is None:
        return heat + counts
    outline = alt.Chart(pd.DataFrame({"true": [chosen[0]], "predicted": [chosen[1]]})).mark_rect(
        filled=False, stroke="#0e1117", strokeWidth=3).encode(x="predicted:O", y="true:O")
    # the outline is drawn under the numbers, so the chosen cell's number keeps its contrasting colour
    return heat + outline + counts
