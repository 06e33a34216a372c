"""Page logic through Streamlit's AppTest: the real app script, the real model and data."""

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.state import ACTIVE_MODEL, SAVED_MODELS_ENV, shared_model_store
from ui.train_link import KNOB_CHOICES

TIMEOUT = 120
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def app():
    return AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=TIMEOUT)


def test_draw_page_is_the_default_and_asks_for_a_digit(app):
    app.run()
    assert not app.exception
    assert "Draw a digit" in app.title[0].value
    assert [s.value for s in app.subheader] == ["Draw a digit"]
    assert len(app.metric) == 0, "no prediction before anything is drawn"
    assert app.sidebar.slider[0].label == "Pen width"
    assert any("on the MNIST test set" in c.value for c in app.caption)


def test_draw_page_explains_a_damaged_model(app, tmp_path):
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"not a model")
    app.session_state[ACTIVE_MODEL] = str(broken)
    app.run()
    assert not app.exception
    assert len(app.error) == 1 and "broken.keras" in app.error[0].value


def open_explorer(app, tab="Overview"):
    app.switch_page("pages/explore.py")
    app.session_state["explore_tab"] = tab
    app.run()
    assert not app.exception
    return app


@pytest.mark.parametrize("split", ["train", "test"])
@pytest.mark.parametrize("digit", ["all", 0, 9])
def test_explorer_gallery_renders_for_each_split_and_digit(app, mnist, split, digit):
    open_explorer(app, "Gallery")
    app.session_state["gallery_split"] = split
    app.selectbox(key="gallery_digit").set_value(digit).run()
    _, labels = mnist.split(split)
    matching = len(labels) if digit == "all" else int((labels == digit).sum())
    page = app.number_input(key="gallery_page")
    assert page.max == -(-matching // 100)
    page.set_value(page.max).run()
    assert not app.exception
    options = app.selectbox(key="gallery_chosen").options
    assert len(options) == matching - 100 * (page.max - 1)
    if digit != "all":
        assert all(f"(label {digit})" in option for option in options)
    app.button(key="gallery_random").click().run()
    assert len(app.selectbox(key="gallery_chosen").options) == 100


def test_explorer_errors_show_the_chosen_confusion(app):
    open_explorer(app, "Model errors")
    accuracy = next(m for m in app.metric if m.label == "Test accuracy")
    assert float(accuracy.value.rstrip("%")) >= 99.5
    app.selectbox(key="errors_true").set_value(4)
    app.selectbox(key="errors_predicted").set_value(9).run()
    assert not app.exception
    texts = [m.value for m in app.markdown]
    assert any("test images of 4 read as 9" in t for t in texts) or any(
        "never read a 4 as a 9" in s.value for s in app.success)
    app.selectbox(key="errors_predicted").set_value(4).run()
    assert any("read correctly" in i.value for i in app.info)


@pytest.mark.parametrize("tab", ["Overview", "Map of the data"])
def test_explorer_sections_render(app, tab):
    open_explorer(app, tab)
    assert not app.exception
    assert len(app.get("vega_lite_chart")) >= 2


def test_train_page_runs_a_tiny_job_to_a_result(app):
    train_a_tiny_run(app)


def train_a_tiny_run(app):
    app.switch_page("pages/train.py").run()
    assert not app.exception
    assert app.metric[0].label == "Parameters" and app.metric[0].value == "101,770"
    app.slider(key="knob_epochs").set_value(1)
    app.slider(key="knob_train_fraction").set_value(0.05).run()
    next(b for b in app.button if "Train" in b.label).click().run()
    deadline = time.monotonic() + 600  # a worker process (niced) starts first; the machine is shared
    while not app.success and time.monotonic() < deadline:
        time.sleep(1)
        app.run()
    assert not app.exception
    assert "Run 1 finished" in app.success[0].value
    accuracy = next(m for m in app.metric if m.label == "Test accuracy")
    assert float(accuracy.value.rstrip("%")) > 50
    app.button(key="use_1").click().run()
    assert app.session_state[ACTIVE_MODEL].model.name == "run_1"
    app.switch_page("pages/draw.py").run()
    assert any("run_1" in c.value for c in app.caption)
    return app


def model_menu(app) -> list[str]:
    return app.sidebar.selectbox(key="model_choice").options


def test_saved_models_belong_to_their_session_until_shared(app, tmp_path, monkeypatch):
    monkeypatch.setenv(SAVED_MODELS_ENV, str(tmp_path))
    shared_model_store.clear()
    train_a_tiny_run(app)
    app.switch_page("pages/train.py").run()
    form_name = next(t for t in app.text_input if t.label == "Save on the server as")
    form_name.set_value("class demo")
    next(b for b in app.button if b.label == "Save model").click().run()
    assert not app.exception
    assert any("Saved as class_demo" in s.value for s in app.success)
    assert "Saved: class_demo" in model_menu(app)

    classmate = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=TIMEOUT).run()
    assert not any("class_demo" in option for option in model_menu(classmate))

    app.toggle(key="shared_class_demo").set_value(True).run()
    assert "Shared: class_demo" in model_menu(classmate.run())

    app.button(key="delete_class_demo").click().run()
    assert not app.exception
    assert not (tmp_path / "class_demo.keras").exists()
    assert not any("class_demo" in option for option in model_menu(classmate.run()))
    shared_model_store.clear()


def knob_values(app) -> dict:
    return {name: app.session_state[f"knob_{name}"] for name in KNOB_CHOICES}


def test_a_shared_link_opens_the_train_page_with_the_same_knobs(app):
    app.switch_page("pages/train.py").run()
    app.selectbox(key="preset").set_value("Small CNN (fastest to 99 %)").run()
    app.slider(key="knob_epochs").set_value(7)
    app.select_slider(key="knob_learning_rate").set_value(1e-2)
    app.toggle(key="knob_augment").set_value(True).run()
    assert not app.exception
    teacher = knob_values(app)
    link = dict(app.query_params)
    assert link["preset"] == "Small CNN (fastest to 99 %)" and link["epochs"] == "7"

    student = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=TIMEOUT)
    student.query_params.update(link)
    student.switch_page("pages/train.py").run()
    assert not student.exception and not student.warning
    assert knob_values(student) == teacher
    assert student.selectbox(key="preset").value == "Small CNN (fastest to 99 %)"


def test_a_link_with_a_value_no_knob_takes_says_so_and_keeps_the_rest(app):
    app.query_params.update({"preset": "Tiny MLP", "epochs": "3", "batch_size": "100"})
    app.switch_page("pages/train.py").run()
    assert not app.exception
    assert app.session_state["knob_epochs"] == 3 and app.session_state["knob_batch_size"] == 128
    assert "batch_size could not be used" in app.warning[0].value
