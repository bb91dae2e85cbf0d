"""Corpus → tokens → ids: the data a run trains on, with its vocabulary and tokenizer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_tui.engine.config import TrainConfig
from lstm_tui.engine.corpus import LoadedCorpus, load_corpus
from lstm_tui.engine.errors import UserError
from lstm_tui.engine.tokenizers import make_tokenizer, resolve_tokenizer_name
from lstm_tui.engine.vocabulary import Vocabulary


@dataclass
class Dataset:
    """Token ids of each split, and how they were made."""

    corpus: LoadedCorpus
    tokenizer: str
    vocab: Vocabulary
    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray


def load_dataset(config: TrainConfig, vocab: Vocabulary | None = None, tokenizer: str | None = None) -> Dataset:
    """Load the corpus of `config`; build the vocabulary from its train split unless given."""
    corpus = load_corpus(
        config.corpus,
        encoding=config.encoding,
        fmt=config.format,
        valid=config.valid_file,
        test=config.test_file,
        split=config.split,
    )
    name = tokenizer or resolve_tokenizer_name(config.level, config.tokenizer, corpus.train)
    tok = make_tokenizer(name)
    train_tokens = tok.tokenize(corpus.train)
    if len(set(train_tokens)) < 2:
        raise UserError(
            f"corpus {corpus.name!r} has fewer than two distinct {config.level} tokens; there is nothing to learn — give a real text"
        )
    if vocab is None:
        vocab = Vocabulary.build(train_tokens, config.effective_vocab_size)
    return Dataset(
        corpus=corpus,
        tokenizer=name,
        vocab=vocab,
        train=vocab.encode(train_tokens),
        valid=vocab.encode(tok.tokenize(corpus.valid)) if corpus.valid else np.zeros(0, np.int32),
        test=vocab.encode(tok.tokenize(corpus.test)) if corpus.test else np.zeros(0, np.int32),
    )
