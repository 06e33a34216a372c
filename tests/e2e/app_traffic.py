"""What the browser and the server say to each other, read with Streamlit's own protobuf messages.

A test can then wait for exactly what it needs: the page's widgets (a canvas stroke, a slider)
have sent their value and the server has finished the script run that read it. No fixed sleeps.
"""

from __future__ import annotations

import itertools

from playwright.sync_api import Page, WebSocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

_RUN_ENDS = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
             ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


class AppTraffic:
    """Counts the reruns the page asks for (of the app or of a fragment, such as the Draw page's
    canvas) and the script runs the server completes."""

    def __init__(self, page: Page) -> None:
        self._clock = itertools.count(1)
        self.socket: WebSocket | None = None
        self.last_rerun_sent = 0  # clock tick of the last rerun request (app or fragment)
        self.last_run_started = 0  # clock tick of the last script run's start
        self.last_completed_start = 0  # start tick of the last full-app run that completed
        page.on("websocket", self._watch)

    def _watch(self, socket: WebSocket) -> None:
        if "/_stcore/stream" not in socket.url:
            return
        self.socket = socket
        socket.on("framesent", self._sent)
        socket.on("framereceived", self._received)

    def _sent(self, payload) -> None:
        if isinstance(payload, bytes):
            message = BackMsg.FromString(payload)
            if message.WhichOneof("type") == "rerun_script":
                self.last_rerun_sent = next(self._clock)

    def _received(self, payload) -> None:
        if not isinstance(payload, bytes):
            return
        message = ForwardMsg.FromString(payload)
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self.last_run_started = next(self._clock)
        elif kind == "script_finished" and message.script_finished == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
            self.last_completed_start = next(self._clock)  # a fragment run sends no new_session: it ended now
        elif kind == "script_finished" and message.script_finished in _RUN_ENDS:
            self.last_completed_start = self.last_run_started

    def mark(self) -> int:
        """A point in time to wait from: see `wait_for_rerun_since`."""
        return next(self._clock)

    def settled_since(self, mark: int) -> bool:
        """Whether a rerun was asked for after `mark` and a run that started after the last such
        request has completed."""
        return self.last_rerun_sent > mark and self.last_completed_start > self.last_rerun_sent

    def wait_for_rerun_since(self, mark: int, timeout: float = 30_000) -> None:
        """Wait until the page has asked for a rerun after `mark` and the server has completed a
        run started after the last request (runs cut short for a newer request do not count)."""
        if self.settled_since(mark):
            return
        self.socket.wait_for_event(
            "framereceived", timeout=timeout,
            predicate=lambda payload: self.settled_since(mark),
        )
