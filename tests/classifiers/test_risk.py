"""The risk head: cues and idioms, windows for long texts, the model file, and the kinds of text it must tell
apart (literal harm vs. the same words used as a figure of speech)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from classifiers import Engine, ModelNotFound
from classifiers.risk import HEADS, RiskModel, window_features
from classifiers.risk_cues import find_cues
from classifiers.risk_types import RISK_TYPES, RiskType
from classifiers.windows import split_windows


@pytest.fixture(scope="module")
def risk_model() -> RiskModel:
    return RiskModel.load()


@pytest.fixture(scope="module")
def assess(engine: Engine, risk_model: RiskModel):  # noqa: ANN201
    def run(text: str) -> set[RiskType]:
        windows = split_windows(text)
        return {f.type for f in risk_model.assess(windows, engine.predict(windows)) if f.serious}

    return run


def test_idioms_are_masked_before_cues_are_searched() -> None:
    hits = find_cues("these brownies are to die for, killer deal too lol")
    assert not hits.by_type and hits.figurative and hits.joke
    assert find_cues("my dad died after the brakes failed").by_type.keys() >= {
        RiskType.INJURY,
        RiskType.SAFETY_HAZARD,
    }


def test_acronyms_match_only_in_capitals() -> None:
    assert RiskType.INJURY in find_cues("spent the night in the ER").by_type
    assert RiskType.INJURY not in find_cues("er, where is my parcel?").by_type


def test_short_texts_are_one_window_and_long_ones_keep_every_word() -> None:
    assert split_windows("the heater sparked") == ["the heater sparked"]
    ticket = " ".join(f"Sentence number {i} of a long and detailed complaint about my account." for i in range(40))
    windows = split_windows(ticket)
    assert len(windows) > 5 and all(len(w.split()) <= 40 for w in windows)
    assert " ".join(windows).split() == ticket.split()


def test_model_file_round_trips_and_bad_files_are_refused(
    engine: Engine, risk_model: RiskModel, tmp_path: Path
) -> None:
    risk_model.save(tmp_path)
    again = RiskModel.load(tmp_path)
    texts = ["the heater sparked and the plug melted", "love the new menu"]
    features = np.stack([window_features(t, s)[0] for t, s in zip(texts, engine.predict(texts), strict=True)])
    assert np.allclose(again.probabilities(features), risk_model.probabilities(features))
    assert again.version == risk_model.version
    with pytest.raises(ModelNotFound):
        RiskModel.load(tmp_path / "missing")
    (tmp_path / "risk.npz").write_bytes(b"not an npz file")
    with pytest.raises(ModelNotFound):
        RiskModel.load(tmp_path)
    hidden = (np.zeros((8, 400)), np.zeros(8))
    with pytest.raises(ValueError):  # one output short
        RiskModel(*hidden, np.zeros((HEADS - 1, 8)), np.zeros(HEADS - 1), np.zeros((HEADS - 1, 2)), np.zeros(HEADS - 1))
    with pytest.raises(ValueError):  # the layers do not fit together
        RiskModel(*hidden, np.zeros((HEADS, 4)), np.zeros(HEADS), np.zeros((HEADS, 2)), np.zeros(HEADS))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I slipped on the wet floor by your tills and I'm now in A&E with a broken wrist", RiskType.INJURY),
        ("Opened a tin of your soup and there was a sliver of glass in it", RiskType.SAFETY_HAZARD),
        ("Four charges on my card this morning that I never made, all to your app", RiskType.FRAUD_MONEY),
        ("Your checkout assistant called my wife a slur because of her headscarf", RiskType.DISCRIMINATION_ABUSE),
        ("I logged in and saw another customer's address and order history on my account", RiskType.PRIVACY_SECURITY),
        ("My solicitor will be writing to you about the deposit you refuse to return", RiskType.LEGAL),
    ],
)
def test_literal_reports_are_serious(assess, text: str, expected: RiskType) -> None:  # noqa: ANN001
    assert expected in assess(text)


@pytest.mark.parametrize(
    "text",
    [
        "this cake is to die for",
        "honestly your prices are criminal 😂 take my money",
        "the new playlist in store is fire, who picked it?",
        "is the space heater safe to leave on overnight?",
        "my parcel is three days late again, not impressed",
    ],
)
def test_figures_of_speech_questions_and_ordinary_complaints_are_not(assess, text: str) -> None:  # noqa: ANN001
    assert assess(text) == set()


def test_a_risk_buried_in_a_long_ticket_is_found(assess) -> None:  # noqa: ANN001
    filler = "I called customer services on the 3rd, the 9th and the 14th and was passed between departments. "
    hazard = "While driving on the motorway the car lost all power and the brakes stopped responding. "
    text = filler * 6 + hazard + filler
    assert len(split_windows(text)) > 3
    assert RiskType.SAFETY_HAZARD in assess(text)


def test_every_output_has_a_threshold(risk_model: RiskModel) -> None:
    assert risk_model.thresholds.shape == (len(RISK_TYPES) + 1,)
    assert np.all((risk_model.thresholds > 0) & (risk_model.thresholds < 1))


def test_corrections_are_weighted_deduplicated_and_never_from_the_eval_sets() -> None:
    from classifiers.risk_data import CORRECTION_WEIGHT, correction_examples, eval_texts, written_examples

    rows = [("The ladder  collapsed", ["injury"]), ("the ladder collapsed", ["injury", "safety_hazard"]), ("ok", [])]
    examples = correction_examples(rows)
    assert len(examples) == 2 and all(ex.weight == CORRECTION_WEIGHT for ex in examples)
    assert examples[0].risks == {RiskType.INJURY, RiskType.SAFETY_HAZARD}  # the latest correction of a text wins
    banned = eval_texts()
    assert len(banned) > 1000  # every evaluation set is read
    assert not [ex for ex in written_examples() if " ".join(ex.text.split()).lower() in banned]
