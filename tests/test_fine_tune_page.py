"""The Train page's fine-tuning through AppTest: the real page script, a real worker process, a real SQLite file."""

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mlcore.collection import Collection, LabelledDigit
from mlcore.fine_tune import MIN_DRAWINGS
from mlcore.inference import Recognizer
from mlcore.model import Architecture
from mlcore.synthetic import outlined_digits
from mlcore.training import TrainConfig, train
from ui.my_digits import MY_DIGITS
from mlcore.jobs import RUNNING
from ui.state import ACTIVE_MODEL, SAVED_MODELS_ENV, TRAINED_MODELS, shared_model_store

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
    app.session_state[MY_DIGITS] = bubbles(19)
    app.switch_page("pages/train.py").run()
    assert not app.exception
    needs = [i.value for i in app.info if f"at least {MIN_DRAWINGS} labelled drawings" in i.value]
    assert len(needs) == 1
    assert "20 labelled drawings: 10 held out to compare before and after, and 10 to learn from. " \
           "You have labelled 19 so far, so 1 more is needed" in needs[0]
    # the hint names the Draw page's buttons as they read there: "Right, it's a 7", and the digits under "No, it's a …"
    assert "press **Right, it's a …** or, under **No, it's a …**, the right digit." in needs[0]
    assert any("at least 10, are kept aside" in c.value for c in app.caption)
    links = {link.proto.label: link.proto.page_script_hash for link in app.get("page_link")}
    assert links["Label drawings on Draw"] == links["Draw"], "a link to the Draw page (the menu's own link)"
    assert not [b for b in app.button if b.key == "fine_tune_start"]
    app.segmented_control(key="fine_tune_source").set_value("The class dataset").run()
    needs = [i.value for i in app.info if f"at least {MIN_DRAWINGS} labelled drawings" in i.value]
    assert len(needs) == 1 and "The class dataset holds 0 so far, so 20 more are needed" in needs[0]


def wait_for_the_end(app) -> None:
    deadline = time.monotonic() + 600  # a niced worker process on a shared machine
    while not app.success and time.monotonic() < deadline:
        time.sleep(1)
        app.run()
    assert not app.exception and app.success, [e.value for e in app.error]


def subheaders(app) -> list[str]:
    return [s.value for s in app.subheader]


def test_fine_tuning_my_digits_shows_before_and_after_and_the_model_can_be_used(app, tiny):
    app.session_state[ACTIVE_MODEL] = tiny
    app.session_state[MY_DIGITS] = bubbles(30)
    app.switch_page("pages/train.py").run()
    assert not app.exception
    start = app.button(key="fine_tune_start")
    assert start.label == "Fine-tune on 30 drawings"
    assert any(c.value == "10 of the 30 drawings will be held out to compare before and after; it learns from the "
                          "other 20." for c in app.caption)
    start.click().run()
    order = subheaders(app)
    assert order.index("Run 1: fine-tuning") == order.index("Fine-tune on handwriting") + 1, \
        "the run's progress is right under the Fine-tune button, not at the top of the page"
    assert any("Run 1 is a fine-tuning run: it is shown under **Fine-tune on handwriting**" in i.value for i in app.info)
    wait_for_the_end(app)
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


def test_a_saved_fine_tuned_model_goes_by_its_saved_name_and_a_stopped_run_says_which_weights_it_kept(
        app, tiny, tmp_path, monkeypatch):
    monkeypatch.setenv(SAVED_MODELS_ENV, str(tmp_path / "saved"))
    shared_model_store.clear()
    app.session_state[ACTIVE_MODEL] = tiny
    app.session_state[MY_DIGITS] = bubbles(30)
    app.switch_page("pages/train.py").run()
    app.button(key="fine_tune_start").click().run()
    job = app.session_state["training_jobs"][-1]
    deadline = time.monotonic() + 600
    while job.status != RUNNING and job.active and time.monotonic() < deadline:
        time.sleep(0.2)
    app.run()
    app.button(key="stop_1").click().run()  # the worker is still starting: it stops after its first batch or soon after
    wait_for_the_end(app)
    epoch, share = job.outcome.fine_tune.stopped_epoch
    assert app.success[0].value.startswith("Run 1 stopped early: ")
    assert any(m.value.startswith(f":material/stop_circle: **Stopped {share:.0%} into epoch {epoch} of 3.** ")
               and "this model has the weights at the stop (not those of an earlier epoch)" in m.value
               and "*After* is that model." in m.value for m in app.markdown)

    app.button(key="use_1").click().run()
    next(t for t in app.text_input if t.label == "Save on the server as").set_value("bubbles")
    next(b for b in app.button if b.label == "Save model").click().run()
    assert not app.exception
    menu = app.sidebar.selectbox(key="model_choice")
    assert "Saved: bubbles" in menu.options and menu.value.startswith("bubbles (run 1 fine-tuned, ")
    assert job.outcome.recognizer.model.name == "bubbles", "the download is bubbles.keras"
    assert any("Teach **bubbles** (the model chosen in the sidebar)" in c.value for c in app.caption)
    menu.set_value("Saved: bubbles").run()
    assert any("Teach **bubbles** (the model chosen in the sidebar)" in c.value for c in app.caption)
    app.switch_page("streamlit_app.py").run()
    assert not app.exception and any("Model: bubbles · " in c.value for c in app.caption)
    shared_model_store.clear()
