"""Models saved from the Train page: each belongs to the session that saved it.

A saved model is `name.keras` plus its sidecar `name.json` (see `mlcore.model`); the sidecar
records the owner (an opaque per-session id) and whether the owner shares it with the class.
Only the owner may share, unshare or delete it. Saves are capped per owner and per server.

A save never replaces anything: the files are staged under temporary names (written, fsynced)
and then hard-linked to their final names with `os.link`, which fails if the name exists, so of
two saves of one name exactly one wins, even across processes.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import keras

from mlcore.model import (DEFAULT_MODEL_PATH, MODELS_DIR, _file_sha256, _temporary_path, read_metadata,
                          saved_model_path, sidecar_path)

_NAMING = threading.Lock()
PER_OWNER_LIMIT = 5
SERVER_LIMIT = 60


class StoreError(ValueError):
    """A save, share or delete that is refused; the message is meant for the user."""


@dataclass(frozen=True)
class SavedModel:
    path: Path
    owner: str | None
    shared: bool
    test_accuracy: float | None

    @property
    def name(self) -> str:
        return self.path.stem


class ModelStore:
    """The saved models in `directory`, with their owners; safe to share between threads."""

    def __init__(self, directory: Path | str = MODELS_DIR, per_owner: int = PER_OWNER_LIMIT,
                 total: int = SERVER_LIMIT):
        self.directory = Path(directory)
        self.per_owner, self.total = per_owner, total
        self._lock = threading.Lock()
        self._listed: dict[Path, tuple[tuple, SavedModel]] = {}
        """Each save as last read, with the (size, mtime) of its two files then: the model picker
        lists the saves on every page run, and reading a sidecar hashes its 6 MB model file."""

    def all(self) -> list[SavedModel]:
        """Every saved model but the shipped one, newest first."""
        paths = [p for p in self.directory.glob("*.keras")
                 if not p.name.startswith(".") and p.resolve() != DEFAULT_MODEL_PATH.resolve()]
        models = []
        for path in paths:
            try:
                stamp = _stamp(path) + _stamp(sidecar_path(path), missing_ok=True)
            except OSError:  # deleted meanwhile
                continue
            models.append((stamp[1], self._saved_model(path, stamp)))  # newest model file first
        return [m for _, m in sorted(models, key=lambda item: item[0], reverse=True)]

    def _saved_model(self, path: Path, stamp: tuple) -> SavedModel:
        listed = self._listed.get(path)
        if listed is None or listed[0] != stamp:
            meta = read_metadata(path) or {}
            listed = stamp, SavedModel(path, meta.get("owner"), bool(meta.get("shared")), meta.get("test_accuracy"))
            self._listed[path] = listed
        return listed[1]

    def owned_by(self, owner: str) -> list[SavedModel]:
        return [m for m in self.all() if m.owner == owner]

    def visible_to(self, owner: str) -> list[SavedModel]:
        """The owner's own saves and those others share with the class."""
        return [m for m in self.all() if m.owner == owner or m.shared]

    def save(self, model: keras.Model, name: str, metadata: dict, owner: str, shared: bool = False) -> Path:
        """Save `model` as `name` for `owner`; raise StoreError when the name is taken or a cap is reached.

        The file's model is called by its saved name (`path.stem`), whatever `model.name` is: loaded
        again, it goes by that name on every page. `model` itself keeps its name.
        """
        try:
            path = saved_model_path(name, self.directory)
        except ValueError as error:
            raise StoreError(str(error)) from error
        self.directory.mkdir(parents=True, exist_ok=True)
        staged_model, staged_sidecar = _temporary_path(path), _temporary_path(sidecar_path(path))
        try:
            _save_named(model, staged_model, path.stem)
            _fsync(staged_model)
            record = {**metadata, "name": path.stem, "owner": owner, "shared": shared,
                      "model_sha256": _file_sha256(staged_model)}
            _write_synced(staged_sidecar, json.dumps(record, indent=2).encode())
            with self._lock:
                self._check_caps(owner)
                _link_exclusive(staged_sidecar, sidecar_path(path), path.stem)
                try:
                    _link_exclusive(staged_model, path, path.stem)
                except StoreError:
                    sidecar_path(path).unlink(missing_ok=True)
                    raise
        finally:
            staged_model.unlink(missing_ok=True)
            staged_sidecar.unlink(missing_ok=True)
        return path

    def set_shared(self, name: str, owner: str, shared: bool) -> None:
        """Share a model with the class, or stop sharing it; only its owner may."""
        path, record = self._owned(name, owner)
        staged = _temporary_path(sidecar_path(path))
        try:
            _write_synced(staged, json.dumps({**record, "shared": shared}, indent=2).encode())
            os.replace(staged, sidecar_path(path))
        finally:
            staged.unlink(missing_ok=True)

    def delete(self, name: str, owner: str) -> None:
        """Delete a saved model; only its owner may."""
        path, _ = self._owned(name, owner)
        path.unlink(missing_ok=True)
        sidecar_path(path).unlink(missing_ok=True)

    def _owned(self, name: str, owner: str) -> tuple[Path, dict]:
        path = self.directory / f"{name}.keras"
        record = read_metadata(path) if path.parent == self.directory and path.is_file() else None
        if record is None:
            raise StoreError(f"There is no saved model called {name}.")
        if record.get("owner") != owner:
            raise StoreError(f"{name} was saved by someone else; only they can change or delete it.")
        return path, record

    def _check_caps(self, owner: str) -> None:
        models = self.all()
        if sum(m.owner == owner for m in models) >= self.per_owner:
            raise StoreError(f"You have saved {self.per_owner} models, the most one session may keep. "
                             "Delete one of yours to save this one.")
        if len(models) >= self.total:
            raise StoreError(f"The server holds {self.total} saved models, as many as it keeps. "
                             "Ask your teacher to clear some out.")


def _save_named(model: keras.Model, path: Path, name: str) -> None:
    """`model.save(path)` with the model called `name` in the file; `model.name` is left as it was."""
    with _NAMING:  # two threads saving one model under two names must not swap them
        original = model.name
        model.name = name
        try:
            model.save(path)
        finally:
            model.name = original


def _stamp(path: Path, missing_ok: bool = False) -> tuple[int, int]:
    """(size in bytes, modification time in ns) of `path`; (-1, -1) or OSError when it is missing."""
    try:
        status = path.stat()
    except FileNotFoundError:
        if missing_ok:
            return -1, -1
        raise
    return status.st_size, status.st_mtime_ns


def _link_exclusive(staged: Path, final: Path, name: str) -> None:
    try:
        os.link(staged, final)
    except FileExistsError as error:
        raise StoreError(f"A model called {name} is already saved; choose another name.") from error


def _fsync(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _write_synced(path: Path, content: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
