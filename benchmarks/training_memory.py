"""The server's memory across many training runs: `python -m benchmarks.training_memory`.

Plays the server's part: TensorFlow and the shipped model loaded, then `--runs` Tiny-MLP runs one
after another through the app's JobManager (each in a spawned worker process), the finished
model loaded back as the page does, a session's last three runs kept and older ones dropped.
Prints the server's resident memory (RSS) after each run, and the workers' peak RSS.
`--in-process` trains in a thread of this process instead (how the app trained before), for
comparison.
"""

from __future__ import annotations

import argparse
import gc
import os
import threading
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import psutil  # noqa: E402

from mlcore.inference import Recognizer  # noqa: E402
from mlcore.jobs import JobManager  # noqa: E402
from mlcore.training import PRESETS, TrainConfig  # noqa: E402

KEEP = 3


def mib(value: float) -> str:
    return f"{value / 2**20:,.0f} MB"


def worker_runs(config: TrainConfig, runs: int) -> tuple[list[float], list[float]]:
    manager = JobManager(max_running=1)
    me = psutil.Process()
    kept, rss, worker_peaks = [], [], []
    for number in range(1, runs + 1):
        job = manager.submit(config, owner="benchmark", number=number)
        peak = 0
        while job.active:
            pid = job.progress.state.get("pid")
            if pid:
                try:
                    peak = max(peak, psutil.Process(pid).memory_info().rss)
                except psutil.NoSuchProcess:
                    pass
            time.sleep(0.2)
        assert job.outcome.recognizer is not None, job.outcome.reason
        kept.append(job)
        while len(kept) > KEEP:
            kept.pop(0).discard()
        gc.collect()
        rss.append(me.memory_info().rss)
        worker_peaks.append(peak)
        print(f"  run {number:2d}: server {mib(rss[-1])}, worker peak {mib(peak)}", flush=True)
    return rss, worker_peaks


def in_process_runs(config: TrainConfig, runs: int) -> list[float]:
    from mlcore.data import load_mnist
    from mlcore.training import train

    mnist = load_mnist()
    me = psutil.Process()
    kept, rss = [], []
    for number in range(1, runs + 1):
        box = {}
        thread = threading.Thread(target=lambda: box.update(result=train(config, mnist, name=f"run_{number}")))
        thread.start()
        thread.join()
        recognizer = Recognizer(box["result"].model)
        recognizer.accuracy(mnist.x_test, mnist.y_test)
        kept.append(recognizer)
        del kept[:-KEEP]
        gc.collect()
        rss.append(me.memory_info().rss)
        print(f"  run {number:2d}: server {mib(rss[-1])}", flush=True)
    return rss


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--in-process", action="store_true", help="train in a thread of this process")
    args = parser.parse_args(argv)
    config = TrainConfig(**{**PRESETS["Tiny MLP"].__dict__, "epochs": 1, "train_fraction": 0.1})
    Recognizer.load()  # the server holds the shipped model
    gc.collect()
    start = psutil.Process().memory_info().rss
    where = "in a thread of the server" if args.in_process else "in spawned worker processes"
    print(f"Server RSS across {args.runs} Tiny-MLP runs (1 epoch, 10 % of the data) {where}, "
          f"keeping the last {KEEP}; before the first run: {mib(start)}")
    if args.in_process:
        rss = in_process_runs(config, args.runs)
    else:
        rss, peaks = worker_runs(config, args.runs)
        print(f"  worker peak RSS, median: {mib(sorted(peaks)[len(peaks) // 2])}")
    after_keep = rss[min(KEEP, len(rss)) - 1]
    print(f"  server RSS: start {mib(start)}, after run 1 {mib(rss[0])}, after run {min(KEEP, len(rss))} "
          f"{mib(after_keep)}, after run {len(rss)} {mib(rss[-1])}, max {mib(max(rss))}")
    print(f"  growth from run {min(KEEP, len(rss))} to run {len(rss)}: {mib(rss[-1] - after_keep)}; "
          f"from the start: {mib(rss[-1] - start)}")


if __name__ == "__main__":
    main()
