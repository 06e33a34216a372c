from playwright.sync_api import expect

from mlcore.evaluation import mistakes
from .streamlit_widgets import choose, open_page


def test_gallery_filters_by_digit(page, mnist, screenshot):
    open_page(page, "Explore MNIST")
    page.get_by_role("tab", name="Gallery").click()
    choose(page, "Digit", "3")
    count = int((mnist.y_train == 3).sum())
    expect(page.get_by_text(f"{count:,} images; each is captioned")).to_be_visible()
    expect(page.get_by_text("Page (of 62)")).to_be_visible()
    screenshot("explore-gallery-threes")


def test_confusion_cell_shows_exactly_those_mistakes(page, mnist, recognizer, screenshot):
    open_page(page, "Explore MNIST")
    page.get_by_role("tab", name="Model errors").click()
    probabilities = recognizer.predict_batch(mnist.x_test)
    accuracy = recognizer.accuracy(mnist.x_test, mnist.y_test)
    expect(page.get_by_test_id("stMetric").filter(has_text="Test accuracy")).to_contain_text(f"{accuracy:.2%}")
    choose(page, "True digit", "4")
    choose(page, "Read as", "9")
    expected = mistakes(mnist.y_test, probabilities, 4, 9)
    assert len(expected) > 0
    expect(page.get_by_text(f"{len(expected)} test images of 4 read as 9")).to_be_visible()
    indices = page.get_by_text("Test-set indices, to find them in the gallery:")
    expect(indices).to_have_text("Test-set indices, to find them in the gallery: " + ", ".join(map(str, expected)))
    screenshot("explore-errors-4-as-9")
