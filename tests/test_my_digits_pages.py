"""My digits and Class dataset pages through AppTest: the real app script, a real SQLite file."""

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import create_engine
from streamlit.testing.v1 import AppTest

from mlcore import class_dataset
from mlcore.collection import Collection, LabelledDigit
from ui.my_digits import MY_DIGITS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("CLASS_DATASET_URL", f"sqlite:///{tmp_path / 'class.sqlite'}")
    monkeypatch.delenv("CLASS_DATASET_PASSCODE", raising=False)
    return AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)


def collection() -> Collection:
    rng = np.random.default_rng(1)
    return Collection([LabelledDigit(image=rng.integers(0, 256, (28, 28), dtype=np.uint8), label=label,
                                     predicted=predicted, model="mnist_cnn") for label, predicted in ((3, 3), (5, 6), (3, 8))])


def metric(app, label):
    return next(m.value for m in app.metric if m.label == label)


def test_my_digits_shows_counts_deletes_and_shares_only_once(app, tmp_path):
    app.session_state[MY_DIGITS] = collection()
    app.switch_page("pages/my_digits.py").run()
    assert not app.exception
    assert (metric(app, "Drawings"), metric(app, "Misread by the model")) == ("3", "2")
    assert [m.value for m in app.markdown] == ["Delete all 3 drawings from this session?"], \
        "no stray text (a bare string in a page script is drawn by Streamlit's magic)"
    app.button(key=f"my_digits_delete_{list(app.session_state[MY_DIGITS])[0].id}").click().run()
    assert metric(app, "Drawings") == "2"
    app.button(key="my_digits_share").click().run()
    assert not app.exception
    assert "Added 2 drawings to the class dataset: it now holds 2." in [s.value for s in app.success]
    assert app.button(key="my_digits_share").disabled
    engine = create_engine(f"sqlite:///{tmp_path / 'class.sqlite'}")
    assert class_dataset.counts(engine).tolist() == [0, 0, 0, 1, 0, 1, 0, 0, 0, 0]


def test_after_the_teacher_clears_the_class_dataset_a_student_can_add_their_drawings_again(app, tmp_path, monkeypatch):
    monkeypatch.setenv("CLASS_DATASET_PASSCODE", "tulip-42")
    app.session_state[MY_DIGITS] = collection()
    app.switch_page("pages/my_digits.py").run()
    assert app.button(key="my_digits_share").label == "Add 3 drawings to the class dataset"
    app.button(key="my_digits_share").click().run()
    assert "Added 3 drawings to the class dataset: it now holds 3." in [s.value for s in app.success]
    assert app.button(key="my_digits_share").label == "All your drawings are in the class dataset"
    assert app.button(key="my_digits_share").disabled

    teacher = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    teacher.switch_page("pages/class_dataset.py").run()
    teacher.text_input(key="class_passcode").set_value("tulip-42")
    next(b for b in teacher.button if b.label == "Clear the class dataset").click().run()
    assert "Cleared: 3 drawings deleted." in [s.value for s in teacher.success]

    app.run()
    share = app.button(key="my_digits_share")
    assert share.label == "Add 3 drawings to the class dataset" and not share.disabled
    share.click().run()
    assert "Added 3 drawings to the class dataset: it now holds 3." in [s.value for s in app.success]


def test_drawings_another_session_added_count_as_in_the_class_dataset_and_one_is_one_drawing(app, tmp_path):
    mine = collection()
    engine = create_engine(f"sqlite:///{tmp_path / 'class.sqlite'}")
    class_dataset.ensure_schema(engine)
    first = list(mine)[0]
    class_dataset.add_digits(engine, first.image[None], np.array([first.label]))  # the same drawing, from a zip
    app.session_state[MY_DIGITS] = mine
    app.switch_page("pages/my_digits.py").run()
    assert not app.exception
    assert app.button(key="my_digits_share").label == "Add 2 drawings to the class dataset"
    mine.remove(list(mine)[1].id)
    app.run()
    assert app.button(key="my_digits_share").label == "Add 1 drawing to the class dataset"
    app.button(key="my_digits_share").click().run()
    assert "Added 1 drawing to the class dataset: it now holds 2." in [s.value for s in app.success]
    assert class_dataset.counts(engine).sum() == 2


def test_class_dataset_page_without_a_passcode_cannot_be_cleared(app, tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'class.sqlite'}")
    class_dataset.ensure_schema(engine)
    class_dataset.add_digits(engine, np.arange(4, dtype=np.uint8)[:, None, None] * np.ones((4, 28, 28), np.uint8),
                             np.array([1, 1, 2, 9]))
    app.switch_page("pages/class_dataset.py").run()
    assert not app.exception
    assert metric(app, "Drawings") == "4"
    assert any("Clearing is off: no passcode is set" in c.value for c in app.caption)
    assert not [b for b in app.button if "Clear" in b.label]
    assert class_dataset.counts(engine).sum() == 4


def test_a_broken_database_url_gives_a_message_not_a_traceback(app, monkeypatch):
    monkeypatch.setenv("CLASS_DATASET_URL", "nosuchdialect://nowhere/db")
    app.switch_page("pages/class_dataset.py").run()
    assert not app.exception
    assert "not set up right" in app.error[0].value
