"""A whole class on one server: N students drawing digits while T others train.

    python -m benchmarks.classroom --students 30 --trainers 2 --seconds 120
    python -m benchmarks.classroom --students 4 --seconds 60 --browsers   # the same, real Chromium

Starts a real `streamlit run`. Each student is one session on the Draw page that draws the ten
digits in a random order (the stroke paths of tests/e2e/drawing.py), one stroke at a time at a
person's pace, reads the answer, clears the canvas and goes on. By default a student is a
`StreamlitSession` (benchmarks/streamlit_client.py: Streamlit's own WebSocket protocol and
protobufs, what the browser sends on mouse up), so 30 of them cost the 2 cores almost nothing;
`--browsers` draws with the mouse in real Chromium pages instead (4 of them are about what 2
cores carry next to the server) to check that both give the same figures. Each trainer opens the
Train page, presses Train (the Tiny MLP preset, the page's default), keeps the page's live view
refreshing as a browser does (the fragment's `run_every`), and presses Train again when a run ends.

Stroke -> Prediction is timed from the moment the stroke's canvas value is sent to the delta that
carries the Prediction metric. What a student waits on top of that: the canvas component's own
0.2 s delay before it sends a stroke, and the browser's rendering of the answer.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import psutil

from benchmarks.server import app_server
from benchmarks.streamlit_client import (StreamlitSession, blank_canvas_value, canvas_values, json_widget,
                                         trigger_widget)

STROKE_SECONDS = 0.6
"""How long a student takes to draw one stroke (and to lift the pen between strokes)."""
LOOK_SECONDS = 1.0
"""How long a student looks at the answer before clearing the canvas."""
NO_ANSWER_AFTER = 30.0


@dataclass
class Tally:
    waits: list[float] = field(default_factory=list)
    """Seconds from a stroke's rerun request sent to the delta carrying the Prediction."""
    lifted_waits: list[float] = field(default_factory=list)
    """Browsers only: seconds from the mouse coming up to that delta (adds the canvas's delay)."""
    digits: int = 0
    wrong: list[tuple[int, str | None]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    training_runs: list[float] = field(default_factory=list)


class ServerWatch:
    """The server process's CPU time and its resident memory, sampled every 0.25 s."""

    def __init__(self, pid: int):
        self.process = psutil.Process(pid)
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.25):
            self.samples.append(self.process.memory_info().rss)

    def cpu_seconds(self) -> float:
        times = self.process.cpu_times()
        return times.user + times.system

    def rss(self) -> int:
        return self.process.memory_info().rss

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


class Clock:
    """When the measured period ends; it starts once every session has loaded its page."""

    def __init__(self, sessions: int):
        self.deadline = float("inf")
        self.ready = asyncio.Event()
        self.sessions = sessions
        self.loaded = 0

    async def loaded_page(self) -> None:
        self.loaded += 1
        await self.ready.wait()

    def running(self) -> bool:
        return time.perf_counter() < self.deadline


async def student(url: str, clock: Clock, tally: Tally, rng: random.Random) -> None:
    session = StreamlitSession(url)
    try:
        await session.connect()
        await session.rerun(page="", timeout=300)
        canvas, fragment = session.widget_ids["draw_canvas"], session.fragments["draw_canvas"]
        blank = blank_canvas_value()
        await clock.loaded_page()
        await asyncio.sleep(rng.uniform(0, 2 * STROKE_SECONDS))
        while clock.running():
            digit = rng.randrange(10)
            values = canvas_values(digit)
            for i, value in enumerate(values):
                await asyncio.sleep(STROKE_SECONDS * rng.uniform(0.7, 1.3))
                answer = await _send_stroke(session, canvas, fragment, value, tally, final=i == len(values) - 1)
                if i == len(values) - 1 and answer != "lost":
                    tally.digits += 1
                    if answer != str(digit):
                        tally.wrong.append((digit, answer))
            await asyncio.sleep(LOOK_SECONDS * rng.uniform(0.7, 1.3))
            await session.rerun([json_widget(canvas, blank)], page="", fragment_id=fragment, timeout=NO_ANSWER_AFTER)
    except Exception as error:  # noqa: BLE001 - a broken session is counted as an error, not a crash
        tally.errors.append(f"student session: {type(error).__name__}: {error}")
    finally:
        await session.close()


async def _send_stroke(session, canvas: str, fragment: str, value: dict, tally: Tally, final: bool) -> str | None:
    """Send one stroke; the Prediction read (None if the run showed none, "lost" if no answer came).

    A digit's first strokes may rightly get "I don't know" (the first stroke of a 4 is an L):
    only a digit's last stroke without a Prediction counts as an error."""
    try:
        result = await session.rerun([json_widget(canvas, value)], page="", fragment_id=fragment,
                                     timeout=NO_ANSWER_AFTER)
    except asyncio.TimeoutError:
        tally.errors.append(f"no answer within {NO_ANSWER_AFTER:.0f} s")
        return "lost"
    tally.errors += result.exceptions
    if result.prediction_seconds is None:
        if final:
            tally.errors.append("a digit's last stroke showed no Prediction")
        return None
    tally.waits.append(result.prediction_seconds)
    return result.prediction


async def trainer(url: str, clock: Clock, tally: Tally) -> None:
    """Press Train, keep the live view refreshing like a browser, press Train again when done."""
    session = StreamlitSession(url)
    try:
        await session.connect()
        await session.rerun(page="", timeout=300)  # learns the pages' hashes, as a first visit does
        await session.rerun(page="train", timeout=300)
        train_button = session.widget_id("Train")
        await clock.loaded_page()
        while clock.running():
            started = time.perf_counter()
            await session.send_rerun([trigger_widget(train_button)], page="train")
            if await _follow_training(session, clock):
                tally.training_runs.append(time.perf_counter() - started)
    except Exception as error:  # noqa: BLE001
        tally.errors.append(f"trainer session: {type(error).__name__}: {error}")
    finally:
        await session.close()


async def _follow_training(session: StreamlitSession, clock: Clock) -> bool:
    """Read the Train page's updates until the run shows its result (True) or time is up (False)."""
    running, last_auto = True, time.perf_counter()
    while clock.running():
        interval = min(session.auto_reruns.values(), default=1.0)
        try:
            msg = await asyncio.wait_for(session.next_message(), timeout=interval)
        except asyncio.TimeoutError:
            msg = None
        if msg is not None:
            kind = msg.WhichOneof("type")
            if kind == "script_finished":
                running = False
            elif kind == "new_session":
                running = True
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                if element.WhichOneof("type") == "button" and "Use this model" in element.button.label:
                    return True
        if not running and session.auto_reruns and time.perf_counter() - last_auto >= interval:
            last_auto, running = time.perf_counter(), True
            await session.send_rerun(page="train", fragment_id=next(iter(session.auto_reruns)))
    return False


async def run_class(url: str, watch: ServerWatch, students: int, trainers: int, seconds: float, seed: int):
    """Connect everyone and load their pages, then run the class for `seconds`."""
    clock, tally = Clock(students + trainers), Tally()
    tasks = [asyncio.create_task(student(url, clock, tally, random.Random(seed + i))) for i in range(students)]
    tasks += [asyncio.create_task(trainer(url, clock, tally)) for _ in range(trainers)]
    while clock.loaded + sum(t.done() for t in tasks) < clock.sessions:
        await asyncio.sleep(0.1)
    return await _measure(tasks, watch, seconds, clock, tally)


async def _measure(tasks, watch: ServerWatch, seconds: float, clock: Clock, tally: Tally):
    rss_start, cpu_start = watch.rss(), watch.cpu_seconds()
    watch.samples.clear()
    clock.deadline = time.perf_counter() + seconds
    clock.ready.set()
    await asyncio.gather(*tasks)
    samples = watch.samples or [rss_start]
    figures = {"rss_start": rss_start, "rss_end": watch.rss(), "rss_peak": max(samples),
               "rss_half": samples[len(samples) // 2], "cpu": watch.cpu_seconds() - cpu_start, "seconds": seconds}
    return tally, figures


def report(args, tally: Tally, figures: dict) -> None:
    waits = np.array(tally.waits) if tally.waits else np.array([np.nan])
    p50, p95 = np.percentile(waits, [50, 95])
    mb = 2**20
    strokes = max(len(tally.waits), 1)
    kind = "Chromium pages" if args.browsers else "WebSocket sessions"
    print(f"classroom: {args.students} students ({kind}), {args.trainers} training, {args.seconds:.0f} s, "
          f"{psutil.cpu_count()} cores")
    print(f"  stroke -> Prediction: p50 {p50:.3f} s, p95 {p95:.3f} s, max {np.max(waits):.3f} s "
          f"({len(tally.waits)} strokes, {tally.digits} digits)")
    if tally.lifted_waits:
        lifted = np.percentile(tally.lifted_waits, [50, 95])
        print(f"  mouse up -> Prediction (in the browser): p50 {lifted[0]:.3f} s, p95 {lifted[1]:.3f} s, "
              f"max {max(tally.lifted_waits):.3f} s")
    print(f"  server CPU per stroke: {figures['cpu'] / strokes * 1000:.0f} ms "
          f"(all server CPU over the run / strokes; {figures['cpu'] / figures['seconds']:.2f} cores busy)")
    print(f"  errors: {len(tally.errors)}" + (f" (first: {tally.errors[0]})" if tally.errors else ""))
    print(f"  wrong answers: {len(tally.wrong)} of {tally.digits}" + (f" {tally.wrong[:5]}" if tally.wrong else ""))
    print(f"  training runs finished: {len(tally.training_runs)}"
          + (f", {np.median(tally.training_runs):.0f} s each (median)" if tally.training_runs else ""))
    print(f"  server RSS: {figures['rss_start'] / mb:.0f} MB at start, peak {figures['rss_peak'] / mb:.0f} MB, "
          f"{figures['rss_end'] / mb:.0f} MB at the end (growth {(figures['rss_end'] - figures['rss_start']) / mb:+.0f} MB; "
          f"{(figures['rss_end'] - figures['rss_half']) / mb:+.0f} MB in the second half, once every student has drawn)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--trainers", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--browsers", action="store_true", help="students in real Chromium pages")
    args = parser.parse_args()
    with app_server() as (url, pid), ServerWatch(pid) as watch:
        if args.browsers:
            from benchmarks.classroom_browsers import run_browser_class
            tally, figures = asyncio.run(run_browser_class(url, watch, args.students, args.trainers, args.seconds,
                                                           args.seed))
        else:
            tally, figures = asyncio.run(run_class(url, watch, args.students, args.trainers, args.seconds, args.seed))
    report(args, tally, figures)


if __name__ == "__main__":
    main()
