"""Corpus → tokens → ids: the data a run trains on, with its vocabulary and tokenizer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_tui.engine.train.config import RunConfig
from lstm_tui.engine.data.corpus import LoadedCorpus, load_corpus
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.data.tokenizers import make_tokenizer, resolve_tokenizer_name
from lstm_tui.engine.data.vocabulary import Vocabulary


@dataclass
class Dataset:
    """Token ids of each split, and how they were made."""

    corpus: LoadedCorpus
    tokenizer: str
    vocab: Vocabulary
    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray


def load_config_corpus(config: RunConfig) -> LoadedCorpus:
    """The corpus `config` names, read and split as the config says."""
    return load_corpus(
        config.corpus,
        encoding=config.encoding,
        fmt=config.format,
        valid=config.valid_file,
        test=config.test_file,
        split=config.split,
    )


def load_dataset(
    config: RunConfig,
    vocab: Vocabulary | None = None,
    tokenizer: str | None = None,
    corpus: LoadedCorpus | None = None,
) -> Dataset:
    """Load the corpus of `config` (unless already loaded); build the vocabulary from its train
    split unless given."""
    corpus = corpus or load_config_corpus(config)
    name = tokenizer or resolve_tokenizer_name(config.level, config.tokenizer, corpus.train)
    if name == "char":
        train_points = codepoints(corpus.train)
        distinct = len(np.unique(train_points[:10_000_000]))
        if distinct < 2:
            distinct = len(np.unique(train_points))
        if distinct >= 2 and vocab is None:
            vocab = Vocabulary.build_chars(train_points, config.effective_vocab_size)

        def encode(text: str) -> np.ndarray:
            return vocab.encode_chars(codepoints(text))  # type: ignore[union-attr]
    else:
        tok = make_tokenizer(name)
        train_tokens = tok.tokenize(corpus.train)
        distinct = len(set(train_tokens))
        if distinct >= 2 and vocab is None:
            vocab = Vocabulary.build(train_tokens, config.effective_vocab_size)

        def encode(text: str) -> np.ndarray:
            return vocab.encode(tok.tokenize(text))  # type: ignore[union-attr]
    if distinct < 2:
        raise UserError(
            f"corpus {corpus.name!r} has fewer than two distinct {config.level} tokens; there is nothing to learn — give a real text"
        )
    assert vocab is not None
    empty = np.zeros(0, np.int32)
    return Dataset(
        corpus=corpus,
        tokenizer=name,
        vocab=vocab,
        train=vocab.encode_chars(train_points) if name == "char" else vocab.encode(train_tokens),
        valid=encode(corpus.valid) if corpus.valid else empty,
        test=encode(corpus.test) if corpus.test else empty,
    )


def codepoints(text: str) -> np.ndarray:
    """The text's Unicode code points as a uint32 array (4 bytes per character, no str objects)."""
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
