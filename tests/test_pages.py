"""Page logic through Streamlit's AppTest: the real app script, the real model and data."""

import io
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

LAST_DRAWING = "last_drawing_png"  # ui.canvas.LAST_DRAWING (ui.canvas needs a running app to import)
from mlcore.inference import a_digit
from ui.number_view import EMPTY_CANVAS
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
    assert outlined_cell(app.get("vega_lite_chart")[0].proto) == [{"true": 4, "predicted": 9}]
    app.selectbox(key="errors_predicted").set_value(4).run()
    assert any("read correctly" in i.value for i in app.info)


def outlined_cell(chart_proto) -> list[dict]:
    """The rows of the confusion matrix's outline layer (the chosen cell)."""
    import json

    import pyarrow as pa

    spec = json.loads(chart_proto.spec)
    name = next(layer["data"]["name"] for layer in spec["layer"] if layer["mark"].get("filled") is False)
    data = next(d.data.data for d in chart_proto.datasets if d.name == name)
    return pa.ipc.open_stream(data).read_all().to_pylist()


@pytest.mark.parametrize("tab", ["Overview", "Map of the data", "Under change"])
def test_explorer_sections_render(app, tab):
    open_explorer(app, tab)
    assert not app.exception
    assert len(app.get("vega_lite_chart")) >= 2
    if tab == "Map of the data":
        assert any("5 nearest neighbours names its digit" in c.value for c in app.caption)
    if tab == "Under change":
        assert len(app.get("vega_lite_chart")) == 6


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
    assert app.success, [e.value for e in app.error]
    assert "Run 1 finished" in app.success[0].value
    accuracy = next(m for m in app.metric if m.label == "Test accuracy")
    assert float(accuracy.value.rstrip("%")) > 50
    app.button(key="use_1").click().run()
    assert app.session_state[ACTIVE_MODEL].model.name == "run_1"
    app.switch_page("streamlit_app.py").run()
    assert any("run_1" in c.value for c in app.caption)


def test_draw_page_shows_what_it_did_with_a_photo_and_explains_a_non_picture(app):
    from .photos import bold_tight_seven, png_bytes

    app.run()
    app.file_uploader[0].upload("seven.png", png_bytes(bold_tight_seven()), "image/png").run()
    assert not app.exception
    assert [m.value for m in app.metric if m.label == "The photo reads as"] == ["7"]
    captions = [image.proto.imgs[0].caption for image in app.get("image")]
    assert captions == ["your picture, in grey", "the ink, cleaned", "the model's 28×28 input"]
    app.file_uploader[0].upload("notes.png", b"these are my notes, not a picture", "image/png").run()
    assert not app.exception
    assert [e.value for e in app.error] == ["That file is not a picture this app can read (or it is damaged)."]
    assert not [m for m in app.metric if m.label == "The photo reads as"]


@pytest.mark.parametrize("page", [None, "pages/number.py"])
def test_a_photo_over_the_limit_replaces_the_last_reading_with_the_refusal(app, page):
    """The browser refuses such a file (the uploader states the limit); one that arrives all the same is
    refused here too. Each reading names its file, so a refused upload never passes for the old one's."""
    from mlcore.image_io import MAX_MEGABYTES

    from .photos import bold_tight_seven, png_bytes

    (app if page is None else app.switch_page(page)).run()
    app.file_uploader[0].upload("seven.png", png_bytes(bold_tight_seven()), "image/png").run()
    assert [m.value for m in app.metric if m.label in ("The photo reads as", "The photo reads")] == ["7"]
    assert any("Reading **seven.png**" in c.value for c in app.caption)
    too_big = png_bytes(bold_tight_seven()) + b"\0" * (MAX_MEGABYTES * 2**20 + 1)
    app.file_uploader[0].upload("huge.png", too_big, "image/png").run()
    assert not app.exception
    assert [e.value for e in app.error] == [f"That file is {MAX_MEGABYTES:.1f} MB; pictures up to {MAX_MEGABYTES} MB are read."]
    assert not [m for m in app.metric if m.label in ("The photo reads as", "The photo reads")]


def drawing_png(digit: int, seed: int = 0) -> bytes:
    """A canvas-style drawing of `digit` as the canvas sends it: a 280x280 RGBA PNG."""
    from mlcore.synthetic import render_digit

    buffer = io.BytesIO()
    Image.fromarray(render_digit(digit, np.random.default_rng(seed))).save(buffer, format="PNG")
    return buffer.getvalue()


def open_inside(app, tab="Layer by layer", drawing=None):
    if drawing is not None:
        app.session_state[LAST_DRAWING] = drawing
    app.switch_page("pages/inside.py")
    app.session_state["inside_tab"] = tab
    app.run()
    assert not app.exception
    return app


def test_inside_page_asks_for_a_digit_and_still_runs_the_lab_on_test_images(app, mnist):
    open_inside(app)
    assert "Inside the network" in app.title[0].value
    assert [s.value for s in app.subheader] == ["Draw a digit"]
    assert len(app.get("image")) == 0
    open_inside(app, "Where it breaks")
    app.number_input(key="lab_index").set_value(3).run()
    assert not app.exception
    assert any(f"is labelled {mnist.y_test[3]}" in c.value for c in app.caption)
    assert any(m.value.startswith(f"Untouched, it reads {mnist.y_test[3]}.") for m in app.markdown)
    assert len(app.get("vega_lite_chart")) == 1


def test_inside_page_shows_every_layer_of_the_last_drawing(app, recognizer):
    drawing = drawing_png(3)
    open_inside(app, drawing=drawing)
    reading = recognizer.recognize(np.asarray(Image.open(io.BytesIO(drawing))))
    assert app.metric[0].value == str(reading.digit)
    titles = [m.value for m in app.markdown if m.value.startswith("**") and "·" in m.value]
    assert [t.split("**")[1] for t in titles] == ["1. Input", "2. Convolution", "3. Convolution", "4. Pooling",
                                                   "5. Convolution", "6. Convolution", "7. Pooling",
                                                   "8. Dense layer", "9. Softmax"]
    assert "28 × 28 × 32" in titles[1] and "7 × 7 × 64" in titles[6] and "· 128" in titles[7]
    # input, four convolutions' maps, the first one's filters, two poolings, the dense units
    assert len(app.get("image")) == 9
    assert any("32 learnt 3×3 filters" in image.captions[0] for image in app.get("image"))
    assert {e.label for e in app.expander} >= {"What is a convolution? What is a feature map?",
                                                 "What is pooling?", "What is softmax?"}


def test_inside_page_explains_the_answer_and_the_runner_up(app, recognizer):
    drawing = drawing_png(5, seed=2)
    open_inside(app, "Why this answer", drawing=drawing)
    reading = recognizer.recognize(np.asarray(Image.open(io.BytesIO(drawing))))
    runner_up = int(np.argsort(reading.probabilities)[-2])
    captions = [image.captions[0] for image in app.get("image")]
    assert captions[0].startswith(f"Grad-CAM for {reading.digit}") and captions[1].startswith(
        f"Integrated gradients for {reading.digit}")
    assert captions[2].startswith(f"Grad-CAM for {runner_up}") and captions[3].startswith(
        f"Integrated gradients for {runner_up}")


def cross_png() -> bytes:
    """An X drawn on the canvas (white strokes on black), as the canvas sends it."""
    import cv2

    canvas = np.zeros((280, 280, 4), np.uint8)
    canvas[..., 3] = 255
    for start, end in (((62, 56), (218, 224)), ((218, 56), (62, 224))):
        cv2.line(canvas, start, end, (255, 255, 255, 255), 20, cv2.LINE_AA)
    buffer = io.BytesIO()
    Image.fromarray(canvas).save(buffer, format="PNG")
    return buffer.getvalue()


def test_inside_page_says_i_dont_know_for_an_x_and_frames_its_maps_as_a_guess(app, recognizer):
    reading = recognizer.recognize(np.asarray(Image.open(io.BytesIO(cross_png()))))
    assert not reading.is_one_digit
    open_inside(app, "Why this answer", drawing=cross_png())
    assert [s.value for s in app.subheader] == ["I don't know"]
    assert not any(m.label == "Prediction" for m in app.metric), "no Prediction for an X"
    assert reading.reason in [w.value for w in app.warning]
    assert any(f"what the network looked at for its guess, {reading.digit}: not reasons" in w.value
               for w in app.warning)
    titles = [m.value for m in app.markdown if m.value.startswith("**") and m.value != "**Your digit**"]
    assert titles[0].startswith(f"**What it looked at for its guess, {reading.digit}**")
    assert not any(t.startswith("**Why") for t in titles)


def test_inside_page_shows_the_confidence_as_the_draw_page_does(app, recognizer):
    drawing = drawing_png(3)
    reading = recognizer.recognize(np.asarray(Image.open(io.BytesIO(drawing))))
    open_inside(app, drawing=drawing)
    assert app.metric[0].label == "Prediction" and app.metric[0].value == str(reading.digit)
    assert f"Confidence: **{reading.confidence:.1%}**" in [m.value for m in app.markdown]


def test_the_lab_says_when_the_ink_has_nearly_gone_and_why_noise_drifts(app, mnist):
    assert mnist.y_test[1] == 2
    open_inside(app, "Where it breaks")
    app.number_input(key="lab_index").set_value(1).run()
    app.session_state["lab_sweep"] = "thickness"
    app.run()
    assert not app.exception
    text = " ".join(m.value for m in app.markdown)
    assert "Untouched, it reads 2." in text
    assert "With the pen 4 px thinner (−4 px), under 15 % of the ink is left" in text
    assert any("Grey band: under 15 %" in c.value for c in app.caption)
    app.session_state["lab_sweep"] = "noise"
    app.run()
    assert not app.exception
    assert any("on noise alone, with no digit at all, this network reads **8**" in m.value for m in app.markdown)


def test_inside_page_works_for_a_network_without_convolutions(app):
    import keras

    from mlcore.inference import Recognizer
    from mlcore.model import Architecture, build_model

    keras.utils.set_random_seed(0)
    app.session_state[ACTIVE_MODEL] = Recognizer(build_model(Architecture(conv_blocks=0, dense_units=64,
                                                                          batch_norm=False), name="tiny_mlp"))
    open_inside(app, drawing=drawing_png(1))
    titles = [m.value.split("**")[1] for m in app.markdown if m.value.startswith("**") and "·" in m.value]
    assert titles == ["1. Input", "2. Dense layer", "3. Softmax"]
    app.session_state["inside_tab"] = "Why this answer"
    app.run()
    assert not app.exception
    assert any("no convolution" in i.value for i in app.info)
    assert any(i.value.startswith("Not sure: it could also be") for i in app.info), "an untrained MLP is unsure"
    assert any(i.value.startswith("The network is not sure") for i in app.info), "its maps are framed as a guess"
    assert [i.captions[0].split(":")[0] for i in app.get("image")] == [
        f"Integrated gradients for {d}" for d in np.argsort(app.session_state[ACTIVE_MODEL].recognize(
            np.asarray(Image.open(io.BytesIO(drawing_png(1))))).probabilities)[::-1][:2]]


def test_number_page_asks_for_a_number_and_switches_to_a_narrow_canvas(app):
    app.switch_page("pages/number.py")
    app.run()
    assert not app.exception
    assert "Write a number" in app.title[0].value
    assert [c.value for c in app.caption if c.value == EMPTY_CANVAS] == [EMPTY_CANVAS]
    assert len(app.metric) == 0, "no number before anything is written"
    assert app.radio(key="number_canvas_size").value == "Wide"
    app.radio(key="number_canvas_size").set_value("Narrow (phones)").run()
    assert not app.exception
    assert [c.value for c in app.caption if c.value == EMPTY_CANVAS] == [EMPTY_CANVAS]


def test_number_page_explains_a_damaged_model(app, tmp_path):
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"not a model")
    app.session_state[ACTIVE_MODEL] = str(broken)
    app.switch_page("pages/number.py")
    app.run()
    assert not app.exception
    assert len(app.error) == 1 and "broken.keras" in app.error[0].value


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
    assert any(s.value.startswith("Saved as **class_demo** (only you see it).") for s in app.success)
    assert not [b for b in app.button if b.label == "Save model"], "a saved run is not offered for saving again"
    assert "Saved: class_demo" in model_menu(app)

    classmate = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=TIMEOUT).run()
    assert not any("class_demo" in option for option in model_menu(classmate))

    app.toggle(key="shared_class_demo").set_value(True).run()
    assert "Shared: class_demo" in model_menu(classmate.run())

    app.button(key="delete_class_demo").click().run()
    assert not app.exception
    assert not (tmp_path / "class_demo.keras").exists()
    assert not any("class_demo" in option for option in model_menu(classmate.run()))
    assert [b for b in app.button if b.label == "Save model"], "deleted, the run can be saved again"
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
    assert app.warning[0].value == ("The link's batch size “100” is not among the page's choices, so that knob "
                                    "keeps the preset's value.")
    assert any(c.value == ":material/tune: Changed from the preset: epochs." for c in app.caption)


def test_a_link_to_an_unknown_preset_names_it_and_a_moved_knob_is_named_until_it_is_put_back(app):
    app.query_params.update({"preset": "Huge CNN"})
    app.switch_page("pages/train.py").run()
    assert not app.exception
    assert app.warning[0].value.startswith("This link asks for the preset “Huge CNN”, which this app does not have")
    assert ":material/check: The preset's own settings." in [c.value for c in app.caption]
    app.select_slider(key="knob_learning_rate").set_value(3e-2).run()
    assert any(c.value == ":material/tune: Changed from the preset: learning rate." for c in app.caption)
    assert not app.warning, "the link's warning is shown once"
    app.select_slider(key="knob_learning_rate").set_value(1e-3).run()
    assert ":material/check: The preset's own settings." in [c.value for c in app.caption]


def test_draw_page_photo_under_60_percent_says_not_sure_and_shows_its_probabilities(app, recognizer):
    from .test_image_io import unsure_photo

    app.run()
    app.file_uploader[0].upload("one_or_seven.png", unsure_photo(recognizer), "image/png").run()
    assert not app.exception
    shown = next(m for m in app.metric if m.label == "The photo reads as")
    assert shown.value in ("1", "7")
    runner_up = "7" if shown.value == "1" else "1"
    assert [i.value for i in app.info if i.value.startswith("Not sure")] == [
        next(i.value for i in app.info if i.value.startswith(f"Not sure: it could also be {a_digit(runner_up)}."))]
    assert len(app.get("vega_lite_chart")) == 1, "the photo's ten probabilities"
    assert [s.value for s in app.subheader] == ["Draw a digit", "Your photo"]


@pytest.mark.parametrize("make,expected", [
    ("noise", "No clear digit in the picture: it looks like texture or noise"),
    ("blank", "No digit found in the picture: it looks blank."),
])
def test_draw_page_refuses_noise_and_blank_photos_in_photo_words(app, make, expected):
    from .photos import noise_png, png_bytes

    data = noise_png() if make == "noise" else png_bytes(np.full((300, 300), 220, np.uint8))
    app.run()
    app.file_uploader[0].upload(f"{make}.png", data, "image/png").run()
    assert not app.exception
    assert [w.value for w in app.warning] == [next(w.value for w in app.warning if w.value.startswith(expected))]
    assert not any("canvas" in w.value or "Draw a single" in w.value for w in app.warning)
    assert not [m for m in app.metric if m.label == "The photo reads as"]


def test_draw_page_sends_a_photo_of_several_digits_to_the_number_page(app):
    from .photos import printed_number

    app.run()
    app.file_uploader[0].upload("year.png", printed_number("1234"), "image/png").run()
    assert not app.exception
    assert any(w.value.startswith("I don't know. That looks like several digits") for w in app.warning)
    links = [link for link in app.get("page_link") if link.proto.page == "number"
             and link.proto.label == "Read it as a number"]
    assert len(links) == 1


def test_draw_page_reads_a_shadowed_phone_photo_and_a_24_megapixel_one(app):
    from .photos import big_photo, shadow_photo

    app.run()
    app.file_uploader[0].upload("shadow.jpg", shadow_photo(6), "image/jpeg").run()
    assert [m.value for m in app.metric if m.label == "The photo reads as"] == ["6"]
    app.file_uploader[0].upload("phone.jpg", big_photo(3, 5712, 4284), "image/jpeg").run()
    assert not app.exception and not app.error
    assert [m.value for m in app.metric if m.label == "The photo reads as"] == ["3"]


def test_number_page_refuses_noise_and_reads_a_shadowed_photo_as_the_draw_page_does(app):
    from .photos import noise_png, shadow_photo

    app.switch_page("pages/number.py").run()
    app.file_uploader[0].upload("noise.png", noise_png(), "image/png").run()
    assert not app.exception
    assert [w.value for w in app.warning][0].startswith("No clear digit in the picture")
    assert not [m for m in app.metric if m.label == "The photo reads"]
    for digit in (1, 7):  # with the shadow's corner kept as ink, these read 11 and 17 here
        app.file_uploader[0].upload("shadow.jpg", shadow_photo(digit), "image/jpeg").run()
        assert [m.value for m in app.metric if m.label == "The photo reads"] == [str(digit)]


def test_number_page_says_a_face_holds_no_digit_instead_of_not_sure(app):
    from .photos import face_blob

    app.switch_page("pages/number.py").run()
    app.file_uploader[0].upload("face.jpg", face_blob(), "image/jpeg").run()
    assert not app.exception
    assert [w.value for w in app.warning][0].startswith("I don't know: nothing here looks like a digit")
    assert not [i for i in app.info if i.value.startswith("Not sure")]
    assert not [m for m in app.metric if m.label == "The photo reads"]
    shown = [i.captions[0] if i.captions else "" for i in app.get("image")]
    assert "What was read, cleaned: none of it looks like a digit" in shown
    assert not [c for c in app.caption if c.value.startswith("What the network saw, digit by digit")], \
        "no digit is labelled on what is no digit"


def test_number_page_gives_no_digit_or_confidence_for_the_marks_it_refuses(app):
    from .photos import bracketed_number

    app.switch_page("pages/number.py").run()
    app.file_uploader[0].upload("bracketed.png", bracketed_number("7"), "image/png").run()
    assert not app.exception
    assert [e.value for e in app.error][0].startswith("I can't read this as a number: the 1st and 3rd marks")
    shown = [i.captions[0] if i.captions else "" for i in app.get("image")]
    assert shown.count("? · like no digit") == 2, shown
    assert [c for c in shown if c.startswith("7 · ")], "the digit between them is still shown, with its confidence"
