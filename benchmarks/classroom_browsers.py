"""The classroom benchmark's students as real Chromium pages drawing with the mouse.

Used to check the WebSocket client against the real thing (`python -m benchmarks.classroom
--browsers --students 4`). Each page's WebSocket frames are read with Streamlit's protobufs, so
the wait is timed exactly as the client times it (the stroke's rerun request sent -> the delta
carrying the Prediction), and also from the mouse coming up, which adds the canvas's own 0.2 s
delay before it sends.
"""

from __future__ import annotations

import asyncio
import random
import time

from playwright.async_api import async_playwright, expect
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks.classroom import LOOK_SECONDS, NO_ANSWER_AFTER, STROKE_SECONDS, Clock, Tally, _measure, trainer
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS
from tests.e2e.drawing import STROKES


class _Wire:
    """One page's WebSocket traffic: when the last stroke went out, and the next Prediction."""

    def __init__(self):
        self.sent_at: float | None = None
        self.answer: asyncio.Future | None = None

    def watch(self, ws) -> None:
        ws.on("framesent", self._sent)
        ws.on("framereceived", self._received)

    def _sent(self, payload) -> None:
        msg = BackMsg()
        msg.ParseFromString(payload if isinstance(payload, bytes) else payload.encode())
        if msg.WhichOneof("type") == "rerun_script" and any(
                w.id.endswith("draw_canvas") for w in msg.rerun_script.widget_states.widgets) and self.answer:
            self.sent_at = time.perf_counter()

    def _received(self, payload) -> None:
        if not isinstance(payload, bytes) or self.answer is None or self.answer.done():
            return
        msg = ForwardMsg()
        msg.ParseFromString(payload)
        if msg.WhichOneof("type") == "delta" and msg.delta.new_element.WhichOneof("type") == "metric":
            metric = msg.delta.new_element.metric
            if metric.label == "Prediction" and self.sent_at is not None:
                self.answer.set_result((metric.body, time.perf_counter()))


async def _stroke(page, stroke, box) -> None:
    points = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in stroke]
    await page.mouse.move(*points[0])
    await page.mouse.down()
    for point in points[1:]:
        await page.mouse.move(*point, steps=3)
    await page.mouse.up()


async def browser_student(browser, url: str, clock: Clock, tally: Tally, rng: random.Random) -> None:
    context = await browser.new_context(viewport={"width": 1300, "height": 1000})
    try:
        page = await context.new_page()
        wire = _Wire()
        page.on("websocket", wire.watch)
        await page.goto(url)
        canvas = page.locator("canvas.upper-canvas")
        await expect(canvas).to_be_visible(timeout=300_000)
        prediction = page.get_by_test_id("stMetric").filter(has_text="Prediction")
        await clock.loaded_page()
        while clock.running():
            digit = rng.randrange(10)
            box = await canvas.bounding_box()
            for i, stroke in enumerate(STROKES[digit]):
                await asyncio.sleep(STROKE_SECONDS * rng.uniform(0.3, 0.6))
                wire.sent_at, wire.answer = None, asyncio.get_running_loop().create_future()
                await _stroke(page, stroke, box)
                lifted = time.perf_counter()
                try:
                    body, at = await asyncio.wait_for(wire.answer, NO_ANSWER_AFTER)
                except asyncio.TimeoutError:
                    tally.errors.append(f"no answer within {NO_ANSWER_AFTER:.0f} s")
                    continue
                tally.waits.append(at - wire.sent_at)
                tally.lifted_waits.append(at - lifted)
                if i == len(STROKES[digit]) - 1:
                    tally.digits += 1
                    if body != str(digit):
                        tally.wrong.append((digit, body))
            await asyncio.sleep(LOOK_SECONDS * rng.uniform(0.7, 1.3))
            wire.answer = None
            await page.get_by_role("button", name="Reset canvas & history").click()
            await expect(prediction).to_have_count(0, timeout=NO_ANSWER_AFTER * 1000)
    except Exception as error:  # noqa: BLE001 - a broken session is counted as an error, not a crash
        tally.errors.append(f"browser student: {type(error).__name__}: {error}")
    finally:
        await context.close()


async def run_browser_class(url: str, watch, students: int, trainers: int, seconds: float, seed: int):
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        clock, tally = Clock(students + trainers), Tally()
        tasks = [asyncio.create_task(browser_student(browser, url, clock, tally, random.Random(seed + i)))
                 for i in range(students)]
        tasks += [asyncio.create_task(trainer(url, clock, tally)) for _ in range(trainers)]
        while clock.loaded + sum(t.done() for t in tasks) < clock.sessions:
            await asyncio.sleep(0.1)
        result = await _measure(tasks, watch, seconds, clock, tally)
        await browser.close()
        return result
