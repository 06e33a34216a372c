"""What one stroke costs the server: CPU per Draw-page rerun, and memory over many reruns.

    python -m benchmarks.stroke_cost [--reruns 1000] [--profile artifacts/stroke-profile.txt]

Starts a real `streamlit run`, opens one session with the WebSocket client (no browser sharing
the cores), and draws the ten digits stroke by stroke, clearing between them, one rerun at a
time. Prints the server's CPU per rerun (psutil, process user+system time; median of 20-rerun
batches, since the kernel counts CPU time in 10 ms ticks), the time to the Prediction, and the
server's resident memory every 100 reruns. With `--profile`, py-spy samples the server meanwhile
and the functions with the largest share of samples are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import subprocess
from pathlib import Path

import numpy as np
import psutil

from benchmarks.server import app_server
from benchmarks.streamlit_client import StreamlitSession, blank_canvas_value, canvas_values, json_widget

BATCH = 20


def stroke_script() -> list[tuple[dict, int | None]]:
    """One pass over the ten digits: (canvas value, the digit expected once the digit is complete)."""
    script = []
    for digit in range(10):
        values = canvas_values(digit)
        script += [(value, digit if i == len(values) - 1 else None) for i, value in enumerate(values)]
        script.append((blank_canvas_value(), None))
    return script


async def draw_many(url: str, pid: int, reruns: int) -> dict:
    server = psutil.Process(pid)
    session = StreamlitSession(url)
    await session.connect()
    await session.rerun(timeout=180)
    canvas_id, fragment = session.widget_ids["draw_canvas"], session.fragments["draw_canvas"]
    script = stroke_script()
    for value, _ in script:  # warm up every path once
        await session.rerun([json_widget(canvas_id, value)], page="", fragment_id=fragment)
    cpu_batches, waits, wrong, lost, rss = [], [], 0, 0, []
    rss_start = server.memory_info().rss
    times = server.cpu_times()
    cpu_before = times.user + times.system
    for n in range(reruns):
        value, expected = script[n % len(script)]
        try:
            result = await session.rerun([json_widget(canvas_id, value)], page="", fragment_id=fragment, timeout=30)
        except asyncio.TimeoutError:
            lost += 1
            print(f"  rerun {n}: no answer in 30 s", flush=True)
            continue
        if result.prediction_seconds is not None:
            waits.append(result.prediction_seconds)
        wrong += expected is not None and result.prediction != str(expected)
        if (n + 1) % BATCH == 0:
            times = server.cpu_times()
            cpu_batches.append((times.user + times.system - cpu_before) / BATCH)
            cpu_before = times.user + times.system
        if (n + 1) % 100 == 0:
            rss.append((n + 1, server.memory_info().rss))
            print(f"  after {n + 1:5d} reruns: server RSS {rss[-1][1] / 2**20:7.1f} MB", flush=True)
    await session.close()
    return {"cpu_ms": np.array(cpu_batches) * 1000, "waits_ms": np.array(waits) * 1000, "wrong": wrong, "lost": lost,
            "rss_start": rss_start, "rss": rss}


IDLE_LEAVES = ("EpollSelector.select", "PollingPathWatcher._schedule", "InotifyFD._check_inotify_fd",
               "_worker (concurrent/futures/thread.py:81)", "Condition.wait", "Event.wait", "Queue.get",
               "DelayedQueue.get")
"""Threads waiting (in a sleep, a select or a queue), which py-spy may still count as active."""


def top_functions(collapsed: Path, count: int = 15) -> list[tuple[float, float, str]]:
    """(share of samples in the function or below it, share in the function itself, function),
    over the samples of threads that were working, not waiting."""
    total, inclusive, own = 0, collections.Counter(), collections.Counter()
    for line in collapsed.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        frames = stack.split(";")
        if frames[-1].startswith(IDLE_LEAVES):
            continue
        total += int(samples)
        for frame in set(frames):
            inclusive[frame] += int(samples)
        own[frames[-1]] += int(samples)
    plumbing = ("process ", "thread ", "Thread.", "_run_code", "_run_module_as_main", "Command.", "Group.",
                "Context.invoke", "BaseEventLoop.run", "Runner.run", "run (asyncio", "main_run", "_main_run",
                "<module> (streamlit/__main__", "run (streamlit/web/bootstrap", "_WorkItem.run", "_worker")
    return [(inclusive[f] / total, own[f] / total, f) for f, _ in inclusive.most_common(count + 30)
            if not f.startswith(plumbing)][:count] + \
           [(inclusive[f] / total, n / total, f + "  [self]") for f, n in own.most_common(8)]


def print_profile(collapsed: Path) -> None:
    print("py-spy, share of the server's working samples (in or below the function / in the function itself):")
    for inclusive, own, name in top_functions(collapsed):
        print(f"  {inclusive:6.1%} {own:6.1%}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=1000)
    parser.add_argument("--profile", type=Path, help="py-spy the server into this collapsed-stack file")
    args = parser.parse_args()
    with app_server() as (url, pid):
        spy = None
        if args.profile:
            args.profile.parent.mkdir(parents=True, exist_ok=True)
            spy = subprocess.Popen(["py-spy", "record", "--pid", str(pid), "--format", "raw", "--rate", "100", "--gil",
                                    "--output", str(args.profile), "--nonblocking"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        figures = asyncio.run(draw_many(url, pid, args.reruns))
        if spy:
            spy.send_signal(2)
            spy.wait(timeout=60)
    cpu, waits = figures["cpu_ms"], figures["waits_ms"]
    growth = (figures["rss"][-1][1] - figures["rss"][0][1]) / 2**20
    print(f"server CPU per stroke rerun: median {np.median(cpu):.1f} ms, p95 {np.percentile(cpu, 95):.1f} ms "
          f"({len(cpu)} batches of {BATCH})")
    print(f"rerun -> Prediction delta: p50 {np.percentile(waits, 50):.1f} ms, p95 {np.percentile(waits, 95):.1f} ms")
    print(f"wrong answers: {figures['wrong']}, reruns with no answer in 30 s: {figures['lost']}")
    print(f"server RSS: {figures['rss_start'] / 2**20:.0f} MB at start, {figures['rss'][0][1] / 2**20:.0f} MB after "
          f"100 reruns, {figures['rss'][-1][1] / 2**20:.0f} MB after {figures['rss'][-1][0]} "
          f"(growth {growth:+.1f} MB)")
    if args.profile and args.profile.exists():
        print_profile(args.profile)


if __name__ == "__main__":
    main()
