"""When someone types Japanese into a model of another script, offer the Japanese default.

It is an offer, never a switch: the predict screen shows it once per session, with a key that
accepts it, and it lapses when another model is loaded. The script detection is the engine's
(`engine/data/script`); this only decides when to ask.
"""

from __future__ import annotations

from pathlib import Path

from lstm_tui.engine.data.script import looks_japanese
from lstm_tui.engine.runs.model_choice import japanese_default
from lstm_tui.tui.live_model import LiveModel

CJK_START = 0x3000
"""Japanese punctuation, kana and kanji all lie from here up: a key below it is no reason to look."""


class ScriptOffer:
    """Whether the Japanese model was offered this session, and the offer standing now."""

    def __init__(self) -> None:
        self.made = False
        """True once Japanese text met a model of another script (no offer again this session)."""
        self.target: Path | None = None
        """The model offered, while the offer stands (None: nothing to accept)."""

    def check(self, text: str, live: LiveModel | None) -> Path | None:
        """The model to offer now (at most once a session), else None: `text` looks Japanese, the
        loaded model is not a Japanese one, and the shipped Japanese model is here. Cheap while
        there is nothing to offer: a flag, or a look at the text's last letters."""
        if self.made or live is None or live.japanese or not text or ord(text[-1]) < CJK_START:
            return None  # the text can only have turned Japanese at a CJK character (kana, kanji, 。、)
        if not looks_japanese(text):
            return None
        self.made = True  # asked once, whatever the answer: a missing model is not looked for at every key
        self.target = japanese_default()
        return self.target

    def withdraw(self) -> None:
        """The offer lapses (another model was loaded, or it was accepted)."""
        self.target = None
