"""Run every benchmark and print its figures: `python -m benchmarks.run`."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchmarks import explorer, inside, latency, training  # noqa: E402

if __name__ == "__main__":
    for benchmark in (latency, inside, explorer, training):
        benchmark.main()
        print()
