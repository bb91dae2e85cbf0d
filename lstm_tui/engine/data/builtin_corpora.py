"""Corpora that need no download: text that ships with every Python install."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lstm_tui.engine.errors import UserError

DEFAULT_CORPUS = "builtin:pydoc"


def _pydoc_topics() -> str:
    import pydoc_data.topics

    topics = pydoc_data.topics.topics
    return "\n\n".join(topics[key].strip("\n") for key in sorted(topics)) + "\n"


@dataclass(frozen=True)
class BuiltinCorpus:
    """A named text generated from the standard library."""

    name: str
    description: str
    level: str
    tokenizer: str
    load: Callable[[], str]


BUILTINS: dict[str, BuiltinCorpus] = {
    "pydoc": BuiltinCorpus(
        name="pydoc",
        description="The Python language reference topics shipped with CPython (pydoc_data), ~460k chars of English",
        level="char",
        tokenizer="char",
        load=_pydoc_topics,
    ),
}


def load_builtin(name: str) -> str:
    """The text of `builtin:NAME`."""
    if name not in BUILTINS:
        raise UserError(
            f"unknown built-in corpus {name!r}; available: {', '.join('builtin:' + n for n in BUILTINS)}"
        )
    return BUILTINS[name].load()
