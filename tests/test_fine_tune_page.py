"""The Train page's fine-tuning through AppTest: the real page script, a real worker process, a real SQLite file."""

import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mlcore.collection import Collection, LabelledDigit
from mlcore.fine_tune import MIN_DRAWINGS
from mlcore.inference import Recognizer
from mlcore.model import Architecture
from mlcore.synthetic import outlined_digits
from mlcore.training import TrainConfig, train
from ui.my_digits import MY_DIGITS
from ui.state import ACTIVE_MODEL, TRAINED_MODELS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("CLASS_DATASET_URL", f"sqlite:///{tmp_path / 'class.sqlite'}")
    return AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)


@pytest.fixture(scope="module")
def tiny(mnist):
    """A small MLP, trained here in seconds: the model chosen in the sidebar."""
    config = TrainConfig(arch=Architecture(conv_blocks=0, dense_units=64, dropout=0.0, batch_norm=False),
                         batch_size=64, epochs=2, train_fraction=0.1, augment=False, validation_size=1000)
    return Recognizer(train(config, mnist, name="tiny_mlp").model)


def bubbles(count: int) -> Collection:
    x, y = outlined_digits(count, seed=21)
    return Collection([LabelledDigit(image=image, label=int(label)) for image, label in zip(x, y)])


def test_too_few_drawings_say_how_many_are_needed_and_where_to_label_them(app):
    app.session_state[MY_DIGITS] = bubbles(3)
    app.switch_page("pages/train.py").run()
    assert not app.exception
    needs = [i.value for i in app.info if f"at least {MIN_DRAWINGS} labelled drawings" in i.value]
    assert len(needs) == 1 and "You have labelled 3 so far" in needs[0]
    links = {link.proto.label: link.proto.page_script_hash for link in app.get("page_link")}
    assert links["Label drawings on Draw"] == links["Draw"], "a link to the Draw page (the menu's own link)"
    assert not [b for b in app.button if b.key == "fine_tune_start"]
    app.segmented_control(key="fine_tune_source").set_value("The class dataset").run()
    needs = [i.value for i in app.info if f"at least {MIN_DRAWINGS} labelled drawings" in i.value]
    assert len(needs) == 1 and "The class dataset holds 0 so far" in needs[0]


def test_fine_tuning_my_digits_shows_before_and_after_and_the_model_can_be_used(app, tiny):
    app.session_state[ACTIVE_MODEL] = tiny
    app.session_state[MY_DIGITS] = bubbles(30)
    app.switch_page("pages/train.py").run()
    assert not app.exception
    start = app.button(key="fine_tune_start")
    assert start.label == "Fine-tune on 30 drawings"
    start.click().run()
    assert app.subheader and any(s.value == "Run 1: fine-tuning" for s in app.subheader)
    deadline = time.monotonic() + 600  # a niced worker process on a shared machine
    while not app.success and time.monotonic() < deadline:
        time.sleep(1)
        app.run()
    assert not app.exception and app.success, [e.value for e in app.error]
    assert "Run 1 finished" in app.success[0].value
    job = app.session_state["training_jobs"][-1]
    summary = job.outcome.fine_tune
    assert summary.start_model == "tiny_mlp" and summary.drawings == 30 and summary.held_out == 10
    shown = {(m.label, m.value) for m in app.metric}
    for scores in (summary.before, summary.after):
        assert ("Held-out drawings", f"{scores.held_out:.0%}") in shown
        assert ("MNIST test set", f"{scores.mnist_test:.2%}") in shown
    assert len([m for m in app.metric if m.label == "Held-out drawings"]) == 2
    captions = [c for image in app.image for c in image.captions if "→" in c]
    assert captions == [f"{c.label}: {c.before} → {c.after}" for c in sorted(summary.changed, key=lambda c: not c.fixed)]
    assert not [b for b in app.button if b.key == "more_epochs_1"], "no +N epochs of MNIST-only training"
    app.button(key="use_1").click().run()
    assert app.session_state[ACTIVE_MODEL] is job.outcome.recognizer
    assert any("fine-tuned" in label for label in app.session_state[TRAINED_MODELS])
    assert job.outcome.recognizer is not tiny and job.outcome.recognizer.model.name == "run_1"
