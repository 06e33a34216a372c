"""Explorer render times (AppTest, server side) and the app's memory after visiting every page.

Cold: the first visit to the page in a fresh process (the dataset, the model's test-set
predictions and the data map are computed and cached). Warm: a filter change afterwards; this
reruns the whole page, an upper bound for the fragment rerun the browser triggers.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from benchmarks.common import summary
from benchmarks.server import app_server, visit_every_page

ROOT = Path(__file__).resolve().parents[1]


def timed_run(app: AppTest) -> float:
    start = time.perf_counter()
    app.run()
    elapsed = (time.perf_counter() - start) * 1000
    assert not app.exception, app.exception
    return elapsed


def render_times() -> None:
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=300)
    app.switch_page("pages/explore.py")
    app.session_state["explore_tab"] = "Gallery"
    cold = timed_run(app)
    warm = []
    for digit in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, "all"] * 2:
        app.selectbox(key="gallery_digit").set_value(digit)
        warm.append(timed_run(app))
    print("Explore page, server time per script run (AppTest)")
    print(f"{'cold first visit':<44} {cold:8.0f} ms")
    print(summary("warm gallery digit change (Gallery tab)", np.array(warm)))


def memory_after_every_page() -> None:
    with app_server() as (url, pid):
        visit_every_page(url)
        status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    rss, peak = (int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM"))
    print(f"streamlit server after visiting every page: resident {rss:.0f} MB, peak {peak:.0f} MB")


def main() -> None:
    render_times()
    memory_after_every_page()


if __name__ == "__main__":
    main()
