"""A small class on one server: several students draw at once while another trains.

Each student is its own browser context (its own Streamlit session). Every student draws a
digit before any answer is awaited, so the server reads their strokes while the others' arrive,
and one more session trains the Tiny MLP meanwhile (its batches running in a worker process).
How long the answers take is measured by `python -m benchmarks.classroom`, not here.
"""

import re

from playwright.sync_api import expect

from .app_traffic import AppTraffic
from .drawing import clear_canvas, draw_digit, expect_prediction
from .streamlit_widgets import wait_until_idle

STUDENTS = 4
ROUNDS = [(7, 0, 3, 1), (2, 8, 5, 9)]
"""One-stroke digits: round r, student s draws ROUNDS[r][s]."""


def _open(browser, url):
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = context.new_page()
    page.app_traffic = AppTraffic(page)  # draw_digit waits on the page's own messages
    page.set_default_timeout(60_000)
    page.goto(url)
    expect(page.locator("h1").first).to_be_visible(timeout=120_000)
    wait_until_idle(page)
    return context, page


def test_a_class_draws_at_once_while_one_trains_and_every_digit_is_read(browser, app_url):
    contexts = []
    try:
        # A run that outlasts the class's drawing on any machine (as in the steering E2E), stopped after it.
        trainer_context, trainer = _open(browser, f"{app_url}/train?preset=Tiny+MLP&epochs=20&train_fraction=1&batch_size=32")
        contexts.append(trainer_context)
        trainer.get_by_role("button", name=re.compile(r"\bTrain$")).click()
        expect(trainer.get_by_test_id("stProgress")).to_contain_text(re.compile(r"Run 1: epoch \d+ of \d+, batch"),
                                                                     timeout=180_000)

        students = []
        for _ in range(STUDENTS):
            context, page = _open(browser, app_url)
            contexts.append(context)
            students.append(page)

        for digits in ROUNDS:
            for page, digit in zip(students, digits):
                draw_digit(page, digit)
            for page, digit in zip(students, digits):
                expect_prediction(page, digit)
            for page in students:
                clear_canvas(page)

        trainer.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Stop", exact=True).click()
        expect(trainer.get_by_text(re.compile(r"Run 1 stopped early")).first).to_be_visible(timeout=300_000)
        expect(trainer.get_by_test_id("stException")).to_have_count(0)
    finally:
        for context in contexts:
            context.close()
