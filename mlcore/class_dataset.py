"""The class dataset: drawings that students chose to share, anonymous (a 28x28 image and a label).

A SQL database through SQLAlchemy 2 (Core, engine level): SQLite in a file by default, or any
server SQLAlchemy speaks (PostgreSQL on Streamlit Community Cloud, whose disk is wiped when an
app restarts). The app gets its `Engine` from Streamlit's `st.connection(..., type="sql")`; these
functions take the Engine, so they run (and are tested) without Streamlit.

What a session can do is exactly what this module exposes: add drawings (a drawing it holds
already, the same 28x28 pixels and label, is not added twice), ask which drawings it holds,
count them by digit, page through them, export them all, and clear them all (the page asks for
the teacher's passcode first). Every statement is built by SQLAlchemy with bound parameters on two fixed
tables; no user text ever becomes SQL or a table name. Every write is one transaction that first
updates the one row of `class_dataset_lock`: that serialises writers (a row lock on PostgreSQL,
the write lock on SQLite), so the size cap holds even when a whole class presses "add" at once.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from sqlalchemy import (BigInteger, CheckConstraint, Column, Engine, Index, Integer, LargeBinary, MetaData,
                        SmallInteger, Table, delete, func, insert, select, update)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from mlcore.collection import LabelledDigit, check_image, check_label

CAP = 20_000
"""Most drawings the class dataset holds (about 16 MB of pixels)."""
MAX_PAGE = 500
PIXELS = 28 * 28
LOOKUP_CHUNK = 500
"""Drawings looked up per query (bound parameters stay well under SQLite's and PostgreSQL's limits)."""

metadata = MetaData()
digits = Table(
    "class_dataset_digits", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("label", SmallInteger, nullable=False),
    Column("pixels", LargeBinary(PIXELS), nullable=False),
    CheckConstraint("label >= 0 AND label <= 9", name="class_dataset_label_is_a_digit"),
    CheckConstraint(f"length(pixels) = {PIXELS}", name="class_dataset_pixels_are_28x28"),
)
by_pixels = Index("class_dataset_digits_by_pixels", digits.c.pixels)
"""Finds a drawing by its pixels (duplicates); created on databases made before it existed, too."""
lock = Table(
    "class_dataset_lock", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("writes", BigInteger, nullable=False),
)


class ClassDatasetError(RuntimeError):
    """The class dataset cannot do that; the message says why, for the user."""


class ClassDatasetFull(ClassDatasetError):
    """Adding would take the class dataset over its cap; nothing was added."""


@contextmanager
def _database_errors() -> Iterator[None]:
    try:
        yield
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0][:200]
        raise ClassDatasetError(f"The class dataset's database cannot be used right now ({reason}).") from error


def ensure_schema(engine: Engine) -> None:
    """Create the two tables and the lock row if they are missing (safe to call from many processes)."""
    with _database_errors():
        metadata.create_all(engine, checkfirst=True)
        by_pixels.create(engine, checkfirst=True)
        try:
            with engine.begin() as connection:
                if connection.scalar(select(lock.c.id).where(lock.c.id == 1)) is None:
                    connection.execute(insert(lock).values(id=1, writes=0))
        except IntegrityError:
            pass  # another process inserted the lock row first


@dataclass(frozen=True)
class Added:
    """What one `add_new_digits` did."""

    added: int
    already: int
    """Drawings not added because the class dataset held them already (same pixels and label),
    or because they came twice in the same call."""
    total: int
    """Drawings in the class dataset afterwards."""


def add_digits(engine: Engine, images: np.ndarray, labels: np.ndarray, cap: int = CAP) -> int:
    """`add_new_digits`, returning only the new total."""
    return add_new_digits(engine, images, labels, cap).total


def add_new_digits(engine: Engine, images: np.ndarray, labels: np.ndarray, cap: int = CAP) -> Added:
    """Add those of N drawings the class dataset does not hold yet, in one transaction, all or none.

    images: (N, 28, 28) uint8; labels: (N,) ints 0-9. A drawing with the same pixels and label as
    one stored (or one earlier in `images`) is skipped and counted in `Added.already`. Raises
    ValueError for anything else and ClassDatasetFull (adding nothing) when the total would pass `cap`.
    """
    rows = _rows(images, labels)
    with _database_errors(), engine.begin() as connection:
        _take_write_lock(connection)  # before looking for duplicates: no other writer can add them meanwhile
        stored = _stored(connection, rows)
        new = list({(r["label"], r["pixels"]): r for r in rows if (r["label"], r["pixels"]) not in stored}.values())
        count = connection.scalar(select(func.count()).select_from(digits))
        if count + len(new) > cap:
            raise ClassDatasetFull(
                f"The class dataset is full: it holds {count:,} drawings and takes at most {cap:,}, so there is "
                f"room for {max(cap - count, 0):,} more and you are adding {len(new):,}. Nothing was added; "
                f"ask your teacher to download the class dataset and clear it.")
        if new:
            connection.execute(insert(digits), new)
        return Added(len(new), len(rows) - len(new), count + len(new))


def holds(engine: Engine, images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """(N,) bool: which of these drawings the class dataset holds now (the same 28x28 pixels and label).

    images: (N, 28, 28) uint8; labels: (N,) ints 0-9; ValueError for anything else. A session asks
    this rather than remembering what it added: a teacher may have cleared the dataset since.
    """
    rows = _rows(images, labels)
    with _database_errors(), engine.connect() as connection:
        stored = _stored(connection, rows)
    return np.array([(r["label"], r["pixels"]) in stored for r in rows], dtype=bool)


def _stored(connection, rows: list[dict]) -> set[tuple[int, bytes]]:
    """The (label, pixels) of the stored drawings whose pixels are among `rows`' (found by index)."""
    wanted = list({r["pixels"] for r in rows})
    found: set[tuple[int, bytes]] = set()
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        query = select(digits.c.label, digits.c.pixels).where(digits.c.pixels.in_(wanted[start:start + LOOKUP_CHUNK]))
        found.update((int(label), bytes(pixels)) for label, pixels in connection.execute(query))
    return found


def _rows(images: np.ndarray, labels: np.ndarray) -> list[dict]:
    images, labels = np.asarray(images), list(np.asarray(labels).reshape(-1))
    if images.ndim != 3 or len(images) != len(labels):
        raise ValueError("images are (N, 28, 28) uint8 with one label each")
    rows = []
    for image, label in zip(images, labels):
        check_image(image)
        check_label(label)
        rows.append({"label": int(label), "pixels": np.ascontiguousarray(image).tobytes()})
    return rows


def _take_write_lock(connection) -> None:
    connection.execute(update(lock).where(lock.c.id == 1).values(writes=lock.c.writes + 1))


def counts(engine: Engine) -> np.ndarray:
    """(10,) int64: how many drawings of each digit."""
    with _database_errors(), engine.connect() as connection:
        result = connection.execute(select(digits.c.label, func.count()).group_by(digits.c.label))
        by_label = np.zeros(10, np.int64)
        for label, count in result:
            by_label[label] = count
    return by_label


def page(engine: Engine, label: int | None = None, limit: int = 100, offset: int = 0) -> list[LabelledDigit]:
    """Up to `limit` (at most MAX_PAGE) drawings, newest first, of one digit or of all."""
    if label is not None:
        check_label(label)
    limit, offset = int(limit), int(offset)
    if not 0 < limit <= MAX_PAGE or offset < 0:
        raise ValueError(f"a page holds 1-{MAX_PAGE} drawings from a non-negative offset")
    query = select(digits.c.id, digits.c.label, digits.c.pixels).order_by(digits.c.id.desc()).limit(limit).offset(offset)
    if label is not None:
        query = query.where(digits.c.label == int(label))
    with _database_errors(), engine.connect() as connection:
        return [_digit(row) for row in connection.execute(query)]


def export(engine: Engine) -> list[LabelledDigit]:
    """Every drawing, oldest first (at most the cap), e.g. for `mlcore.digit_zip.to_zip`."""
    query = select(digits.c.id, digits.c.label, digits.c.pixels).order_by(digits.c.id)
    with _database_errors(), engine.connect() as connection:
        return [_digit(row) for row in connection.execute(query)]


def _digit(row) -> LabelledDigit:
    image = np.frombuffer(bytes(row.pixels), np.uint8).reshape(28, 28).copy()
    return LabelledDigit(image=image, label=int(row.label), id=f"{row.id:x}")


def clear(engine: Engine) -> int:
    """Delete every drawing in one transaction; returns how many there were."""
    with _database_errors(), engine.begin() as connection:
        _take_write_lock(connection)
        return connection.execute(delete(digits)).rowcount


def passcode_matches(given: str, expected: str | None) -> bool:
    """True only when a passcode is set and `given` equals it (constant-time, `hmac.compare_digest`)."""
    if not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
