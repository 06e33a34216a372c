"""The Train page's shareable link: every knob survives the round trip; anything else is refused."""

from hypothesis import given
from hypothesis import strategies as st

from mlcore.training import PRESETS
from ui.train_link import (KNOB_CHOICES, changed_knobs, link_params, link_query, preset_knobs, read_params,
                           rejected_message)

any_knobs = st.fixed_dictionaries({name: st.sampled_from(choices) for name, choices in KNOB_CHOICES.items()})


@given(st.sampled_from(list(PRESETS)), any_knobs)
def test_every_knob_survives_the_round_trip(preset, knobs):
    assert read_params(link_params(preset, knobs)) == (preset, knobs, [])


def test_a_link_is_a_plain_query_string():
    knobs = {name: choices[0] for name, choices in KNOB_CHOICES.items()}
    query = link_query("Tiny MLP", knobs)
    assert query.startswith("?preset=Tiny+MLP&conv_blocks=0&filters=4&")
    assert "learning_rate=0.0001" in query and "batch_norm=0" in query


def test_values_that_are_not_a_knobs_choice_are_named_and_not_applied():
    preset, knobs, rejected = read_params({"preset": "Huge", "epochs": "999", "dropout": "0.25",
                                           "optimizer": "adamw", "filters": "lots", "augment": "1"})
    assert preset is None and knobs == {"dropout": 0.25, "augment": True}
    assert sorted(rejected) == ["epochs", "filters", "optimizer", "preset"]


def test_a_knob_moved_off_its_preset_is_named_and_only_that_one():
    knobs = preset_knobs("Tiny MLP")
    assert changed_knobs("Tiny MLP", knobs) == []
    assert changed_knobs("Tiny MLP", {**knobs, "learning_rate": 3e-2, "augment": True}) == [
        "learning rate", "data augmentation"]


def test_a_link_to_a_preset_the_app_lacks_says_what_the_page_starts_from_instead():
    params = {"preset": "Huge", "epochs": "999", "filters": "x" * 50}
    message = rejected_message(params, ["preset", "filters", "epochs"], "Tiny MLP")
    assert message.startswith("This link asks for the preset “Huge”, which this app does not have (it has "
                              "Tiny MLP, Small CNN (fastest to 99 %), The shipped model's architecture), so "
                              "the page starts from Tiny MLP.")
    assert f"The link's filters “{'x' * 30}…”, epochs “999” are not among the page's choices, so those " \
           "knobs keep the preset's value." in message
    assert rejected_message({"epochs": "0"}, ["epochs"], "Tiny MLP") == (
        "The link's epochs “0” is not among the page's choices, so that knob keeps the preset's value.")
