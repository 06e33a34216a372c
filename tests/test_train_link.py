"""The Train page's shareable link: every knob survives the round trip; anything else is refused."""

from hypothesis import given
from hypothesis import strategies as st

from mlcore.training import PRESETS
from ui.train_link import KNOB_CHOICES, link_params, link_query, read_params

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
