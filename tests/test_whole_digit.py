"""The whole-digit check (mlcore.whole_digit): the shipped network on pieces of numbers it never
saw (composed from MNIST test digits), what happens without it, and its training script."""

import json

import numpy as np

from mlcore.train_whole_digit import TrainingConfig, labelled_pieces, train
from mlcore.whole_digit import WHOLE_DIGIT_PATH, load_whole_digit_check


def test_the_shipped_check_tells_whole_digits_from_pieces_and_pairs_it_never_saw():
    # 90 numbers, a quarter of them with a pair crossed into one blob: 94.9 % of whole digits are
    # called whole and 98.5 % of the other pieces are not (96.3 % / 99.0 % without crossed pairs).
    images, shapes, labels = labelled_pieces(seed=2027, count=90, test_digits=True)
    chances = load_whole_digit_check().chances(images / 255.0, shapes)
    whole, rest = chances[labels == 1], chances[labels == 0]
    assert len(whole) >= 300 and len(rest) >= 600, "the numbers give both kinds of piece"
    assert np.mean(whole > 0.5) >= 0.93, "whole digits are called whole"
    assert np.mean(rest < 0.5) >= 0.97, "halves, pairs, crossed pairs and broken-off ends are not"


def test_a_damaged_check_file_gives_no_check_and_says_so(tmp_path, caplog):
    damaged = tmp_path / "whole_digit.keras"
    damaged.write_bytes(WHOLE_DIGIT_PATH.read_bytes()[:5000])
    assert load_whole_digit_check(damaged) is None
    assert "numbers are read without it" in caplog.text
    assert load_whole_digit_check(tmp_path / "missing.keras") is None


def test_training_writes_a_check_that_loads_with_its_sidecar(tmp_path):
    output = tmp_path / "whole_digit.keras"
    accuracy = train(TrainingConfig(numbers=12, check_numbers=6, epochs=1, workers=1, output=str(output)))
    check = load_whole_digit_check(output)
    assert check is not None
    sidecar = json.loads(output.with_suffix(".json").read_text())
    assert sidecar["held_out_accuracy"] == round(accuracy, 4) and sidecar["pieces"] > 50
    assert check.chances(np.zeros((2, 28, 28)), np.zeros((2, 10))).shape == (2,)
