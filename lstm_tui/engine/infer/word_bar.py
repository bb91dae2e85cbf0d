"""The word bar of a character model: the few likeliest ways to finish the word being typed.

A phone keyboard's suggestion bar offers whole words; a character model only ranks the next
character. The bar searches the model's continuations best first by joint probability (a
completion's probability only falls as it grows, so the first ones to end are the likeliest), from
the context's state without touching it: each look-ahead step goes from a state to a new one
(`SuggestionRanker.branch_step`). A completion ends with the word: at the whitespace after it
(spaces or a line break before it belong to the completion), or after CJK punctuation (Japanese
has no spaces). The search is bounded in model steps so
a keystroke stays within a frame; what the budget leaves unfinished is offered as far as it got.
Each step also names the next few queued prefixes (`branch_ahead`), so a ranker that steps
several at once for about the price of one (the predictor) does them together; the search and
its result stay those of one step at a time.

A search from scratch (after a line break or a capital: nothing it needs was stepped yet) takes
most of a keystroke's time. Between keys, the predictor runs the searches that the `WARM_NEXT`
likeliest next characters would start (`Predictor.warm_word_bars`), so their steps are in the
memo when one of them is typed: the same search, found instead of computed.
"""

from __future__ import annotations

import heapq
import math
import unicodedata
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from lstm_tui.engine.model.cpu_kernels import top_k_select

if TYPE_CHECKING:
    from lstm_tui.engine.infer.suggestion_ranker import SuggestionRanker

WORDS = 3  # completions in the bar
BRANCHES = 3  # next characters tried after each prefix
STEP_BUDGET = 30  # model steps per search at most (a keystroke's share of a frame)
AHEAD = 3  # queued prefixes stepped along with the one taken, for the ranker to batch (`branch_ahead`)
MAX_CHARS = 24  # the longest completion
MAX_RUN = 3  # a letter repeated more often in a row is a loop, not a word (rules and indents repeat)
WARM_NEXT = 10  # next characters whose searches are stepped between keys (`Predictor.warm_word_bars`)


def ends_word(text: str) -> bool:
    """True when `text` (a completion so far) has reached the end of a word: whitespace after a
    word (a line end or indentation before it belongs to the completion), or CJK punctuation."""
    last = text[-1]
    if _cjk_punctuation(last):
        return True
    return last.isspace() and len(text) > 1 and not text[:-1].isspace()


def _cjk_punctuation(char: str) -> bool:
    return ord(char) >= 0x3000 and unicodedata.category(char).startswith("P")


def _loops(text: str, char: str) -> bool:
    """True when `char` after `text` would repeat a letter more than MAX_RUN times in a row."""
    return char.isalpha() and len(text) >= MAX_RUN and text[-MAX_RUN:] == char * MAX_RUN


def likeliest_words(ranker: SuggestionRanker, first: np.ndarray, count: int = WORDS, budget: int = STEP_BUDGET,
                    max_chars: int = MAX_CHARS, root: object | None = None,
                    stop: Callable[[], bool] | None = None) -> list[tuple[str, float]]:
    """The `count` likeliest completions of the word being typed, as (text to insert, joint
    probability), likeliest first. `first` is the distribution of the next character (the
    context's own: with the cache where it is on); the characters after it come from the model
    alone, stepped from the context's state (or from `root`, a look-ahead point). `stop`: asked
    before each step; when it says True the search ends there (a search run only to fill the
    memo, which a key interrupts)."""
    tokens = ranker.vocab.tokens
    banned = ranker.banned
    top = np.empty(BRANCHES, dtype=np.int64)
    heap: list[tuple[float, int, str, int, object]] = []  # (−log p, order, text, last id, state before it)
    root = ranker.branch_root() if root is None else root
    for token_id in top[: top_k_select(first, banned, BRANCHES, top)]:
        prob = float(first[token_id])
        if prob > 0.0:
            heap.append((-math.log(prob), len(heap), tokens[token_id], int(token_id), root))
    heapq.heapify(heap)
    order = len(heap)
    done: list[tuple[str, float]] = []
    steps = 0
    while heap and len(done) < count:
        cost, _, text, token_id, state = heapq.heappop(heap)
        if ends_word(text) or len(text) >= max_chars or steps >= budget:
            done.append((text, math.exp(-cost)))
            continue
        if stop is not None and stop():
            break
        # The next likeliest prefixes the search may step soon: a batch costs about one step.
        ahead = [entry for entry in heapq.nsmallest(min(AHEAD, budget - steps - 1), heap)
                 if not (ends_word(entry[2]) or len(entry[2]) >= max_chars)]
        if ahead:
            ranker.branch_ahead([state, *(entry[4] for entry in ahead)], [token_id, *(entry[3] for entry in ahead)])
        state = ranker.branch_step(state, token_id)
        steps += 1
        probs = ranker.branch_probabilities(state)
        for child in top[: top_k_select(probs, banned, BRANCHES, top)]:
            prob = float(probs[child])
            char = tokens[child]
            if prob > 0.0 and not _loops(text, char):
                heapq.heappush(heap, (cost - math.log(prob), order, text + char, int(child), state))
                order += 1
    return done


def greedy_word(ranker: SuggestionRanker, first: int, max_chars: int = MAX_CHARS, ahead: str | None = None) -> str:
    """The token `first`, then the likeliest next character at each step, up to and including the
    whitespace that ends the next word (at most `max_chars` characters): a character model's
    suggestion, as the keystroke simulation and the language server offer it. Stepped from the
    context's state without touching it; the characters after `first` come from the model alone.
    `ahead`: stop at the first character that differs from it (a simulated user typing `ahead`
    can never accept such a continuation)."""
    return greedy_words(ranker, [first], max_chars, ahead)[0]


def greedy_words(ranker: SuggestionRanker, firsts: Sequence[int], max_chars: int = MAX_CHARS, ahead: str | None = None) -> list[str]:
    """`greedy_word` for each token of `firsts`, the continuations still going stepped together
    (`SuggestionRanker.branch_rows`): k words of n characters cost n batched steps, not k·n."""
    tokens, banned = ranker.vocab.tokens, ranker.banned
    words = [[tokens[first]] for first in firsts]
    in_word = [not chars[0].isspace() for chars in words]  # a character other than whitespace came
    live = [i for i in range(len(words)) if _goes_on(words[i], in_word[i], max_chars, ahead)]
    points, ids = [ranker.branch_root()] * len(live), [int(firsts[i]) for i in live]
    while live:
        points, probs = ranker.branch_rows(points, ids)
        probs[:, banned] = -np.inf
        chosen = probs.argmax(axis=1).tolist()
        going = []
        for row, i in enumerate(live):
            char = tokens[chosen[row]]
            words[i].append(char)
            in_word[i] = in_word[i] or not char.isspace()
            if _goes_on(words[i], in_word[i], max_chars, ahead):
                going.append(row)
        live, points, ids = [live[r] for r in going], [points[r] for r in going], [chosen[r] for r in going]
    return ["".join(chars) for chars in words]


def _goes_on(chars: list[str], in_word: bool, max_chars: int, ahead: str | None) -> bool:
    """True while a greedy continuation `chars` takes another character: it is shorter than
    `max_chars`, has not reached the whitespace after its word, and still agrees with `ahead`."""
    if len(chars) >= max_chars or (in_word and chars[-1].isspace()):
        return False
    return ahead is None or ahead[len(chars) - 1 : len(chars)] == chars[-1]


def shown_word(typed: str, insert: str) -> str:
    """How a completion reads in the bar: the whole word (the part already typed, then the rest),
    without the space that ends it, and … where the search stopped before the word's end; a
    completion that starts a new word shows what it inserts."""
    body = (insert.rstrip(" ") or insert) + ("" if ends_word(insert) else "…")
    if insert[:1].isspace():
        return body
    return word_tail(typed) + body


def word_tail(text: str, limit: int | None = None) -> str:
    """The last word of `text` as typed so far: the characters after its last whitespace (at
    most its last `limit`)."""
    end = len(text)
    stop = 0 if limit is None else max(0, end - limit)
    start = end
    while start > stop and not text[start - 1].isspace():
        start -= 1
    return text[start:end]
