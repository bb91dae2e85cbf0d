"""The help screen: every key, by screen (F1 or the command palette)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# lstm-tui keys

Every key below reaches the app through tmux and SSH. Nothing that types a character is
bound in a text box, so ordinary typing is never taken.

## Everywhere

| key | does |
| --- | --- |
| `F1` | this help |
| `F2` / `F3` / `F4` | predict / train / models screen |
| `ctrl+p` | command palette: every action by name |
| `ctrl+q` | quit (asks first when a training runs) |
| `tab` / `shift+tab` | next / previous field (outside the editor) |

## Predict (F2)

| key | does |
| --- | --- |
| `tab` | insert the top suggestion (a character model: the likeliest word) |
| `alt+1` … `alt+9` | insert suggestion number 1 … 9, as numbered in the panel |
| `→` at the end of a line, or `ctrl+f` | accept the dimmed ghost continuation |
| `ctrl+n` | edit top-k (`↑`/`↓` step it, `enter`/`esc` back to the text) |
| `ctrl+t` | edit the temperature (`↑`/`↓` step it by 0.1) |
| `ctrl+o` | follow training on/off: load every new checkpoint automatically |
| `F5` | choose the model that predicts: the shipped defaults and the finished runs, with their numbers |
| `F8` | inspect mode on/off: every token coloured by its rank under the model, the token under the cursor, the text's bits |
| `F9` | cells view: choose an LSTM unit (layer, `c` or `h`, index) to draw under the text, or *Find cells* |
| `alt+j` | switch to the Japanese model, when the app offers it (you typed Japanese into another model) |
| `ctrl+l` | load the latest checkpoint now (or reload the model) |
| `ctrl+g` | generate: sample a continuation at the temperature and top-k into the text |
| `ctrl+b` | new text: clear the box (`ctrl+z` brings it back) |
| `ctrl+r` / `ctrl+s` | open a text file into the box / save the box to a file (asks before replacing one) |
| `ctrl+c` | copy the selection (the palette's *Copy the text* copies everything) |
| `ctrl+z` / `ctrl+y` | undo / redo; `ctrl+w` deletes a word, `ctrl+u` to line start |

The temperature reshapes both the suggestions' probabilities and what `ctrl+g` samples: below 1
the likeliest tokens win more often, above 1 rarer ones come up; top-k is also how many tokens
each generated one is drawn from.

The model follows the text **before the cursor**: move the cursor and the suggestions follow.
A character model first offers the three likeliest ways to finish the word being typed (with
the probability of the whole word; `tab`, `alt+2`, `alt+3`), then the next characters. A
word-level model completes the word being typed (Japanese: also the kana that start a word). The
ghost text runs to the end of the word (a word model: a short phrase while it is sure).
Whitespace tokens are shown as `␣` (space), `↵` (newline) and `⇥` (tab). The status line shows
the model (its folder's name: `default`, `default-ja` or a run's folder), its level, whether it is early in training or still training, vocabulary, parameters,
validation perplexity, the device, the share of the text the model cannot read (`unknown`), and
how long the model took for the last key.

**Inspect mode** (`F8`) colours every token of the text by its rank under the model at that
position: a character model's first choice, its top 3, its top 10, beyond (green, yellow, red,
purple, the last also bold and underlined); a word model's top 10 / 100 / 1000 / beyond, as GLTR.
The first token has no score (it is the context). The panel shows the token under the cursor:
its probability, rank, surprisal in bits and the model's top 5 there (its own place marked ◂),
then each bucket's share of the text; the status line adds the text's total bits and bits per
token. A long paste is scored in slices after the key; the rest of the text stays plain until
it is reached. The **cells view** (`F9`) draws one unit's value after each character under the
text (block height: −1 … +1; blue below 0, red above; `c` as tanh(c)); *Find cells* ranks the
units by how closely they follow quotes, brackets, the position in the line, the start of a word
or a line break (a word model: the position in the sentence, quotes) over the run's held-out
text, and `enter` on one shows it.

`alt` arrives as an ESC prefix; in tmux keep `escape-time` low (e.g. `set -sg escape-time 10`),
and in macOS Terminal tick "Use Option as Meta key".

## Train (F3)

| key | does |
| --- | --- |
| `enter` | in the path field: choose that corpus; in the browser: open a folder, choose a file; in the catalogue: choose the entry |
| `c` | in the browser: choose the highlighted folder (all its .txt files) as the corpus |
| `backspace` | in the browser: go up to the parent folder |
| `F8` | preview: the cleaned text that trains (Aozora Bunko files) or the raw file |
| `F5` | start training (a background process: the app stays responsive) |
| `F6` | stop: the trainer finishes its step, saves a checkpoint, and can be resumed |
| `F7` | switch between the setup and the progress tab |
| `l` / `p` / `x` | on the progress tab, the loss chart: log scale / perplexity / tokens on the x axis |

Empty optional fields use the engine's defaults (the same as the command line's).
Training stops at whichever limit comes first: epochs, minutes or max steps.

## Models (F4)

| key | does |
| --- | --- |
| `↑` / `↓` | choose a run; its progress, charts and log are shown below, live while it runs |
| `enter` | load the run into the predict screen |
| `r` | resume an interrupted run; continue a finished one with new limits (epochs, max steps, minutes) |
| `s` | stop a running run (SIGINT to its trainer on this machine; it saves a checkpoint) |
| `d` or `delete` | delete the run folder (asks first; never a running one) |
| `ctrl+r` | refresh the list now |
| `l` / `p` / `x` | the loss chart: log scale on/off / perplexity instead of loss / tokens instead of steps |

Runs started headless over SSH (`lstm-tui --headless-train`) show up here as *running*.
The loss chart draws the smoothed training loss (blue) and the validation loss (magenta) from the
run's `events.jsonl`; a folder without one (the shipped default) shows the history its model.json
recorded, one point per validation.

Press `esc` or `F1` to close this help.
"""


class HelpScreen(ModalScreen[None]):
    """Key bindings of every screen."""

    BINDINGS = [Binding("escape,f1,q", "dismiss(None)", "Close help")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Markdown(HELP, id="help-text")

    def on_mount(self) -> None:
        self.query_one("#help-box").focus()
