"""A browser stand-in: one Streamlit session spoken to over its WebSocket, with Streamlit's protobufs.

A browser tab costs about as much CPU as the server it talks to, so a benchmark of a whole class
on 2 cores cannot run 30 of them. This client sends what the browser sends (`BackMsg`
`rerun_script` with the widgets' values, learnt from a real Chromium session through Playwright's
`page.on("websocket")`) and reads the `ForwardMsg` deltas the server streams back, so a simulated
student costs the server exactly what a real one does and the client almost nothing.

Protocol (Streamlit 1.67, `streamlit/web/server/starlette/starlette_websocket.py`): the endpoint
is `/_stcore/stream`, the first WebSocket subprotocol is "streamlit", frames are binary protobufs.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from dataclasses import dataclass, field

import cv2
import numpy as np
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from tests.e2e.drawing import STROKES

CANVAS_SIDE = 280
PEN_WIDTH = 20


@dataclass
class RunResult:
    """What one script run sent back: the elements by type and the Prediction, if any."""

    seconds: float
    prediction: str | None = None
    prediction_seconds: float | None = None
    exceptions: list[str] = field(default_factory=list)
    finished: bool = False


class StreamlitSession:
    """One session of the app, as a browser tab would hold it."""

    def __init__(self, url: str):
        self.url = url
        self.ws = None
        self.widget_ids: dict[str, str] = {}
        """Element label or key -> widget id, from the deltas seen so far."""
        self.page_hashes: dict[str, str] = {}
        """url path name ('' for the default page) -> page_script_hash."""
        self.page_hash = ""
        self.fragments: dict[str, str] = {}
        """Widget name -> id of the fragment it is drawn in ('' outside any); a change to a widget
        in a fragment reruns only that fragment, as the browser asks."""
        self.auto_reruns: dict[str, float] = {}
        """Fragment id -> seconds between the reruns a browser sends by itself (`run_every`)."""

    async def connect(self) -> None:
        host = self.url.split("://", 1)[1]
        self.ws = await websockets.connect(
            f"ws://{host}/_stcore/stream", subprotocols=["streamlit"], origin=self.url,
            max_size=None, ping_interval=None)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def send_rerun(self, widgets: list | None = None, page: str | None = None, fragment_id: str = "") -> float:
        """Ask for a rerun, as the browser does when a widget changes; returns the time it was sent."""
        message = BackMsg()
        run = message.rerun_script
        run.widget_states.SetInParent()
        for widget in widgets or []:
            run.widget_states.widgets.append(widget)
        if page is not None:
            self.page_hash = self.page_hashes.get(page, "")
        run.page_script_hash = self.page_hash
        if fragment_id:
            run.fragment_id = fragment_id
            run.is_auto_rerun = fragment_id in self.auto_reruns
        run.context_info.timezone = "UTC"
        run.context_info.locale = "en-US"
        run.context_info.url = f"{self.url}/{page or ''}"
        run.context_info.color_scheme = "light"
        await self.ws.send(message.SerializeToString())
        return time.perf_counter()

    async def rerun(self, widgets: list | None = None, page: str | None = None, fragment_id: str = "",
                    timeout: float = 60.0) -> RunResult:
        """Send one rerun and read until that run ends."""
        start = await self.send_rerun(widgets, page, fragment_id)
        return await asyncio.wait_for(self.read_run(start), timeout)

    async def read_run(self, start: float) -> RunResult:
        """Read messages until a script run finishes; times are from `start` (perf_counter)."""
        result = RunResult(seconds=0.0)
        while True:
            msg = await self.next_message()
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self._note_element(msg, result, start)
            elif kind == "script_finished":
                result.seconds = time.perf_counter() - start
                result.finished = True
                return result

    async def next_message(self) -> ForwardMsg:
        """The next message from the server, with the session's bookkeeping (pages, widgets,
        fragments that rerun by themselves) updated."""
        msg = ForwardMsg()
        msg.ParseFromString(await self.ws.recv())
        kind = msg.WhichOneof("type")
        if kind == "auto_rerun":
            self.auto_reruns[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
        elif kind == "stop_auto_rerun":
            for fragment_id in msg.stop_auto_rerun.fragment_ids:
                self.auto_reruns.pop(fragment_id, None)
        elif kind == "navigation":
            for page in msg.navigation.app_pages:
                self.page_hashes[page.url_pathname] = page.page_script_hash
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._note_widget(msg)
        return msg

    def _note_element(self, msg: ForwardMsg, result: RunResult, start: float) -> None:
        element = msg.delta.new_element
        kind = element.WhichOneof("type")
        if kind == "metric" and element.metric.label == "Prediction":
            result.prediction = element.metric.body
            result.prediction_seconds = time.perf_counter() - start
        elif kind == "exception":
            result.exceptions.append(f"{element.exception.type}: {element.exception.message}")

    def _note_widget(self, msg: ForwardMsg) -> None:
        element = msg.delta.new_element
        kind = element.WhichOneof("type")
        if kind in ("bidi_component", "button", "selectbox", "slider"):
            widget = getattr(element, kind)
            name = getattr(widget, "label", "") or widget.id.rsplit("-", 1)[-1]
            self.widget_ids[name] = widget.id
            self.fragments[name] = msg.delta.fragment_id

    def widget_id(self, label_part: str) -> str:
        """The id of the widget whose label (or key) contains `label_part`."""
        return next(wid for name, wid in self.widget_ids.items() if label_part in name)


def json_widget(widget_id: str, value: dict) -> WidgetState:
    state = WidgetState(id=widget_id)
    state.json_value = json.dumps(value, separators=(",", ":"))
    return state


def trigger_widget(widget_id: str) -> WidgetState:
    return WidgetState(id=widget_id, trigger_value=True)


def _interpolate(points: list[tuple[float, float]], steps: int = 3) -> list[tuple[float, float]]:
    """The mouse positions Playwright's `mouse.move(..., steps=3)` produces along a path."""
    out = [points[0]]
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        out += [(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps) for i in range(1, steps + 1)]
    return out


def _fabric_path(points: list[tuple[float, float]], pen: int) -> dict:
    """A freehand stroke as the canvas's Fabric.js JSON describes it (a path of line segments)."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return {"type": "Path", "version": "7.4.0", "originX": "center", "originY": "center",
            "left": (min(xs) + max(xs)) / 2, "top": (min(ys) + max(ys)) / 2,
            "width": max(xs) - min(xs), "height": max(ys) - min(ys), "fill": None, "stroke": "#FFFFFF",
            "strokeWidth": pen, "strokeLineCap": "round", "strokeLineJoin": "round", "scaleX": 1, "scaleY": 1,
            "path": [["M", *points[0]]] + [["L", *p] for p in points[1:]]}


def _png_data_url(rgba: np.ndarray) -> str:
    ok, png = cv2.imencode(".png", cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
    assert ok
    return "data:image/png;base64," + base64.b64encode(png.tobytes()).decode("ascii")


def canvas_values(digit: int, pen: int = PEN_WIDTH) -> list[dict]:
    """The canvas widget's value after each stroke of `digit` (tests/e2e/drawing.py's paths).

    The value is what streamlit-drawable-canvas 0.13 sends on mouse up:
    `{"drawing": {"raw": <Fabric.js JSON>, "data": <PNG data URL of the 280x280 canvas>}}`, the
    PNG opaque white strokes on black, round caps, as the browser renders them.
    """
    rgba = np.zeros((CANVAS_SIDE, CANVAS_SIDE, 4), np.uint8)
    rgba[..., 3] = 255
    objects, values = [], []
    for stroke in STROKES[digit]:
        points = [(x * CANVAS_SIDE, y * CANVAS_SIDE) for x, y in _interpolate(stroke)]
        cv2.polylines(rgba, [np.round(np.array(points) * 16).astype(np.int32)], False, (255, 255, 255, 255),
                      thickness=pen, lineType=cv2.LINE_AA, shift=4)
        objects.append(_fabric_path(points, pen))
        values.append({"drawing": {"raw": {"version": "7.4.0", "objects": list(objects), "background": "#000000"},
                                   "data": _png_data_url(rgba)}})
    return values


def blank_canvas_value() -> dict:
    """What the canvas sends when its toolbar's reset empties it."""
    rgba = np.zeros((CANVAS_SIDE, CANVAS_SIDE, 4), np.uint8)
    rgba[..., 3] = 255
    return {"drawing": {"raw": {"version": "7.4.0", "objects": [], "background": "#000000"},
                        "data": _png_data_url(rgba)}}
