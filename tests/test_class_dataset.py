"""The class dataset's SQL layer on SQLite (a file) and on a real PostgreSQL server.

tests/run.sh starts a throwaway PostgreSQL server and sets CLASS_DATASET_TEST_PG_URL and
CLASS_DATASET_PG_REQUIRED=1; then the PostgreSQL cases fail, rather than skip, if it is unusable.
"""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert, select, text

from mlcore import class_dataset as cd
from mlcore.digit_zip import from_zip, to_zip

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("CLASS_DATASET_TEST_PG_URL")
PG_REQUIRED = os.environ.get("CLASS_DATASET_PG_REQUIRED") == "1"


def _postgres_url() -> str:
    if not PG_URL:
        if PG_REQUIRED:
            pytest.fail("CLASS_DATASET_PG_REQUIRED=1 but CLASS_DATASET_TEST_PG_URL is not set")
        pytest.skip("no PostgreSQL server (tests/run.sh starts one)")
    return PG_URL


def _fresh(url: str):
    engine = create_engine(url)
    cd.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS students"))
    cd.ensure_schema(engine)
    return engine


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    return f"sqlite:///{tmp_path / 'class.sqlite'}" if request.param == "sqlite" else _postgres_url()


@pytest.fixture
def engine(url):
    engine = _fresh(url)
    yield engine
    cd.metadata.drop_all(engine)
    engine.dispose()


def images(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n).astype(np.uint8)


def test_added_drawings_are_counted_paged_and_exported_unchanged(engine):
    x, y = images(30)
    assert cd.add_digits(engine, x[:10], y[:10]) == 10
    assert cd.add_digits(engine, x[10:], y[10:]) == 30
    assert cd.counts(engine).tolist() == np.bincount(y, minlength=10).tolist()
    exported = cd.export(engine)
    assert np.array_equal(np.stack([d.image for d in exported]), x)
    assert [d.label for d in exported] == y.tolist()
    assert all(d.canvas_png == b"" and d.predicted is None and d.model == "" for d in exported), "anonymous"
    newest = cd.page(engine, limit=5)
    assert [d.id for d in newest] == [d.id for d in exported[::-1][:5]]
    sevens = cd.page(engine, label=7, limit=500)
    assert len(sevens) == int((y == 7).sum()) and all(d.label == 7 for d in sevens)
    assert len(cd.page(engine, limit=10, offset=25)) == 5
    back = from_zip(to_zip(exported), max_digits=cd.CAP)
    assert np.array_equal(np.stack([d.image for d in back]), x)


def test_the_same_drawing_is_not_added_twice_and_what_it_holds_follows_a_clear(engine):
    x, y = images(6)
    assert cd.add_new_digits(engine, x[:4], y[:4]) == cd.Added(added=4, already=0, total=4)
    relabelled = (y[5] + 1) % 10
    again = cd.add_new_digits(engine, np.stack([x[1], x[4], x[4], x[5]]), np.array([y[1], y[4], y[4], relabelled]))
    assert again == cd.Added(added=2, already=2, total=6), "x[1] was there; x[4] came twice; x[5] is new"
    assert cd.holds(engine, x, y).tolist() == [True] * 5 + [False], "x[5] is held with another label only"
    cd.clear(engine)
    assert cd.holds(engine, x, y).tolist() == [False] * 6
    assert cd.add_new_digits(engine, x, y).added == 6, "after a clear, the same drawings can be added again"


def test_a_database_made_before_the_pixels_index_gets_it(url):
    engine = _fresh(url)
    cd.by_pixels.drop(engine)
    cd.ensure_schema(engine)
    cd.ensure_schema(engine)
    from sqlalchemy import inspect
    assert "class_dataset_digits_by_pixels" in {i["name"] for i in inspect(engine).get_indexes("class_dataset_digits")}
    cd.metadata.drop_all(engine)
    engine.dispose()


def test_the_cap_adds_all_or_nothing_with_a_clear_message(engine):
    x, y = images(12)
    cd.add_digits(engine, x[:8], y[:8], cap=10)
    with pytest.raises(cd.ClassDatasetFull, match="room for 2 more and you are adding 4. Nothing was added"):
        cd.add_digits(engine, x[8:], y[8:], cap=10)
    assert cd.counts(engine).sum() == 8
    assert cd.add_digits(engine, x[8:10], y[8:10], cap=10) == 10


def test_writers_at_the_same_time_never_pass_the_cap(url, engine):
    """Eight sessions, each with its own connection pool, add 20 drawings at once to a 100-drawing cap."""
    outcomes, start = [], threading.Barrier(8)

    def session(seed):
        own = create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
        x, y = images(20, seed)
        start.wait()
        try:
            cd.add_digits(own, x, y, cap=100)
            outcomes.append("added")
        except cd.ClassDatasetFull:
            outcomes.append("full")
        finally:
            own.dispose()

    threads = [threading.Thread(target=session, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["added"] * 5 + ["full"] * 3
    assert cd.counts(engine).sum() == 100


@pytest.mark.parametrize("x, y", [(np.zeros((2, 28, 28), np.float32), [1, 2]), (np.zeros((2, 28, 27), np.uint8), [1, 2]),
                                  (np.zeros((2, 28, 28), np.uint8), [1, 10]), (np.zeros((2, 28, 28), np.uint8), [1])])
def test_wrong_drawings_are_refused_and_nothing_is_written(engine, x, y):
    cd.add_digits(engine, *images(3))
    with pytest.raises(ValueError):
        cd.add_digits(engine, x, np.array(y))
    assert cd.counts(engine).sum() == 3


def test_sessions_reach_only_the_class_dataset(engine):
    """Clearing and exporting touch the class dataset's table only; a label is a digit, never SQL."""
    students = Table("students", MetaData(), Column("id", Integer, primary_key=True), Column("name", String(40)))
    students.create(engine)
    with engine.begin() as connection:
        connection.execute(insert(students).values(id=1, name="Ada"))
    cd.add_digits(engine, *images(5))
    for hostile in ("1 OR 1=1", "1; DROP TABLE students", 11, -1, True):
        with pytest.raises(ValueError):
            cd.page(engine, label=hostile)
    with pytest.raises(ValueError):
        cd.page(engine, limit=10_000)
    assert cd.clear(engine) == 5
    assert cd.counts(engine).sum() == 0 and cd.export(engine) == []
    with engine.connect() as connection:
        assert connection.execute(select(students.c.name)).scalars().all() == ["Ada"]


def test_clearing_needs_the_passcode_that_is_set():
    assert cd.passcode_matches("tulip-42", "tulip-42")
    assert not cd.passcode_matches("tulip-43", "tulip-42")
    assert not cd.passcode_matches("", "tulip-42")
    assert not cd.passcode_matches("", None), "no passcode set: clearing is off"
    assert not cd.passcode_matches("", "")
    assert cd.passcode_matches("café ☕", "café ☕")


def test_an_unreachable_database_gives_a_clear_error(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'class.sqlite'}")
    with pytest.raises(cd.ClassDatasetError, match="cannot be used right now"):
        cd.counts(engine)


def test_the_dataset_survives_a_server_restart(url):
    engine = _fresh(url)
    x, y = images(7)
    cd.add_digits(engine, x, y)
    engine.dispose()
    restarted = create_engine(url)
    cd.ensure_schema(restarted)
    assert np.array_equal(np.stack([d.image for d in cd.export(restarted)]), x)
    cd.metadata.drop_all(restarted)
    restarted.dispose()


WRITER = textwrap.dedent("""
    import sys
    import numpy as np
    from sqlalchemy import create_engine
    from mlcore import class_dataset as cd
    engine = create_engine(sys.argv[1])
    rng = np.random.default_rng(0)
    print("writing", flush=True)
    while True:
        cd.add_digits(engine, rng.integers(0, 256, (7, 28, 28), dtype=np.uint8), rng.integers(0, 10, 7), cap=10**9)
""")


def test_a_kill_9_during_writes_leaves_only_whole_transactions(url, engine):
    """A process adding 7 drawings per transaction in a loop is killed with SIGKILL mid-stream."""
    writer = subprocess.Popen([sys.executable, "-c", WRITER, url], cwd=ROOT, stdout=subprocess.PIPE)
    try:
        assert writer.stdout.readline() == b"writing\n"
        deadline = time.monotonic() + 120
        while cd.counts(engine).sum() < 140 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(writer.pid, signal.SIGKILL)
        assert writer.wait(timeout=30) == -signal.SIGKILL
    finally:
        if writer.poll() is None:
            writer.kill()
    reopened = create_engine(url)
    if url.startswith("sqlite"):
        with reopened.connect() as connection:
            assert connection.scalar(text("PRAGMA integrity_check")) == "ok"
    stored = cd.export(reopened)
    assert len(stored) >= 140 and len(stored) % 7 == 0
    assert all(d.image.shape == (28, 28) and 0 <= d.label <= 9 for d in stored)
    assert cd.add_digits(reopened, *images(7, seed=1)) == len(stored) + 7, "the database still takes writes"
    reopened.dispose()
