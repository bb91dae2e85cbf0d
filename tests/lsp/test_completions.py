"""`DocumentPredictor.prepare`: the completions computed when an edit arrives are what the
request after it gets, without a model step, and only while the text and settings are the same."""

from __future__ import annotations

from pathlib import Path

from lstm_tui.lsp.completions import DocumentPredictor, SharedModel


def steps_counted(follower: DocumentPredictor) -> list[int]:
    """Count the model steps (a batch of continuations is one) the follower's predictor takes."""
    predictor, count = follower.predictor, [0]
    step, rows = predictor._step, predictor.token_step.forward_rows

    def counted(*args):
        count[0] += 1
        return step(*args)

    def counted_rows(*args):
        count[0] += 1
        return rows(*args)

    predictor._step, predictor.token_step.forward_rows = counted, counted_rows
    return count


def test_a_prepared_prediction_answers_the_request_without_a_step(char_model: Path) -> None:
    model = SharedModel.load(char_model)
    follower = DocumentPredictor(model.predictor(), top_k=3, words_only=True)
    fresh = DocumentPredictor(model.predictor(), top_k=3, words_only=True)
    count = steps_counted(follower)
    text = "The old man looked at the sea and sai"
    follower.prepare(text, len(text))
    assert count[0] > 0
    before = count[0]
    prepared = follower.predict(text, len(text))
    assert count[0] == before  # answered from what prepare computed
    assert prepared == fresh.predict(text, len(text))

    text += "d"  # the next key: computed again
    after_key = follower.predict(text, len(text))
    assert count[0] > before  # (fresh shares the counted batch step: compare after counting)
    assert after_key == fresh.predict(text, len(text))
    before = count[0]
    follower.top_k = 5  # other settings: computed again
    wider = follower.predict(text, len(text))
    assert count[0] > before and len(wider.items) == 5
    fresh.top_k = 5
    assert wider == fresh.predict(text, len(text))
