"""Saved models belong to the session that saved them; saves are exclusive and capped."""

import threading

import pytest

from mlcore.model import Architecture, build_model, read_metadata
from mlcore.model_store import ModelStore, StoreError

TINY = Architecture(conv_blocks=0, dense_units=8, dropout=0.0, batch_norm=False)


@pytest.fixture(scope="module")
def model():
    return build_model(TINY, name="tiny")


def test_two_saves_of_one_name_at_once_exactly_one_wins(model, tmp_path):
    store = ModelStore(tmp_path)
    start = threading.Barrier(2)
    results = {}

    def save(owner):
        start.wait()
        try:
            results[owner] = store.save(model, "same name", {"test_accuracy": 0.5}, owner=owner)
        except StoreError as error:
            results[owner] = error

    threads = [threading.Thread(target=save, args=(owner,)) for owner in ("alice", "bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [owner for owner, result in results.items() if not isinstance(result, Exception)]
    assert len(winners) == 1
    loser = next(owner for owner in results if owner not in winners)
    assert "already saved" in str(results[loser])
    assert read_metadata(tmp_path / "same_name.keras")["owner"] == winners[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same_name.json", "same_name.keras"]


def test_a_save_never_replaces_a_file_already_there(model, tmp_path):
    (tmp_path / "taken.keras").write_bytes(b"someone else's model")
    with pytest.raises(StoreError, match="already saved"):
        ModelStore(tmp_path).save(model, "taken", {}, owner="alice")
    assert (tmp_path / "taken.keras").read_bytes() == b"someone else's model"
    assert not (tmp_path / "taken.json").exists()


def test_saves_are_capped_per_session_and_per_server(model, tmp_path):
    store = ModelStore(tmp_path, per_owner=2, total=3)
    store.save(model, "a1", {}, owner="alice")
    store.save(model, "a2", {}, owner="alice")
    with pytest.raises(StoreError, match="You have saved 2 models"):
        store.save(model, "a3", {}, owner="alice")
    store.save(model, "b1", {}, owner="bob")
    with pytest.raises(StoreError, match="server holds 3 saved models"):
        store.save(model, "b2", {}, owner="bob")
    store.delete("a1", owner="alice")
    store.save(model, "a3", {}, owner="alice")
    assert sorted(m.name for m in store.all()) == ["a2", "a3", "b1"]


def test_a_session_sees_its_own_saves_and_shared_ones_and_only_the_owner_changes_them(model, tmp_path):
    store = ModelStore(tmp_path)
    store.save(model, "alice_private", {}, owner="alice")
    store.save(model, "alice_shared", {}, owner="alice", shared=True)
    store.save(model, "bob_private", {}, owner="bob")
    assert sorted(m.name for m in store.visible_to("bob")) == ["alice_shared", "bob_private"]
    assert sorted(m.name for m in store.visible_to("alice")) == ["alice_private", "alice_shared"]

    with pytest.raises(StoreError, match="someone else"):
        store.set_shared("alice_private", owner="bob", shared=True)
    with pytest.raises(StoreError, match="someone else"):
        store.delete("alice_shared", owner="bob")
    assert (tmp_path / "alice_shared.keras").exists()

    store.set_shared("alice_private", owner="alice", shared=True)
    assert "alice_private" in [m.name for m in store.visible_to("bob")]
    assert read_metadata(tmp_path / "alice_private.keras") is not None, "the sidecar still matches its model"
    store.set_shared("alice_shared", owner="alice", shared=False)
    assert "alice_shared" not in [m.name for m in store.visible_to("bob")]

    store.delete("alice_private", owner="alice")
    assert not (tmp_path / "alice_private.keras").exists() and not (tmp_path / "alice_private.json").exists()
    with pytest.raises(StoreError, match="no saved model"):
        store.delete("../alice_shared", owner="alice")


def test_the_listing_follows_a_share_and_a_missing_sidecar(tmp_path, model):
    store = ModelStore(tmp_path)
    store.save(model, "mine", {"test_accuracy": 0.5}, owner="a")
    assert [m.shared for m in store.visible_to("a")] == [False] and store.visible_to("b") == []
    store.set_shared("mine", "a", True)
    assert [m.name for m in store.visible_to("b")] == ["mine"]
    (tmp_path / "mine.json").unlink()
    assert [(m.owner, m.shared) for m in store.all()] == [(None, False)]


def test_a_saved_model_goes_by_its_saved_name_when_loaded(model, tmp_path):
    from mlcore.inference import Recognizer

    path = ModelStore(tmp_path).save(model, "Bubble digits", {"name": "tiny"}, owner="alice")
    loaded = Recognizer.load(path)
    assert path.stem == "Bubble_digits" and loaded.model.name == "Bubble_digits"
    assert read_metadata(path)["name"] == "Bubble_digits"
    assert model.name == "tiny", "the model saved is left as it was"
