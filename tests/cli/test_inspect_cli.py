"""`lstm-tui inspect`: JSON whose total equals eval's, hostile text kept as data in every output,
the HTML page's safety as markup, progress, and one-line errors. The page in a real browser:
tests/cli/test_inspect_browser.py."""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import lstm_tui.commands.inspect as inspect_command
from lstm_tui.cli import main
from lstm_tui.engine.inspect.html_assets import script_hash
from lstm_tui.paths import default_model_dir

# Markup, quotes, a style end, escape sequences (CSI, OSC title, 8-bit CSI), bidi overrides, BEL/BS/DEL.
HOSTILE = (
    'He said "hi" <script>window.__pwned=1</script> & \'so\' "></span><img src=x onerror="window.__pwned=2">\n'
    "</style><style>body{display:none}</style></script><script>window.__pwned=3</script>\n"
    "colours \x1b[31mred\x1b[0m \x1b]0;PWNED\x07 title \x9b2J \u202ereversed\u202c \x08\x7f done.\n"
    "def f(x):\n    return (x + 1)  # 'comment'\n"
)
TERMINAL_ACTIVE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "hostile.txt"
    path.write_text(HOSTILE * 3, encoding="utf-8")
    return path


def run_json(capsys, *args: str) -> dict:
    assert main(["inspect", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def eval_total_bits(capsys, *args: str) -> tuple[float, float | None]:
    """(total bits as eval scores the text, the same without the cache or None)."""
    assert main(["eval", "--json", "--no-baselines", "--ksr-chars", "0", *args]) == 0
    report = json.loads(capsys.readouterr().out)
    alone = report["lstm_alone"]
    bits = lambda scores: scores["nll"] * report["tokens"] / math.log(2)  # noqa: E731
    return bits(report["lstm"]), bits(alone) if alone else None


def test_json_total_bits_equal_evals(capsys, held_out: Path) -> None:
    """The shipped default has a continuous cache: compared with it (eval's `lstm`) and without
    it (`--cache-size 0` on both, and eval's `lstm alone`)."""
    model = str(default_model_dir())
    cached, alone = eval_total_bits(capsys, "--model", model, "--max-tokens", "1200", str(held_out))
    report = run_json(capsys, "--model", model, "--max-tokens", "1200", str(held_out))
    assert report["cache"] is not None
    assert report["totals"]["scored"] == 1200
    assert report["totals"]["bits"] == pytest.approx(cached, rel=1e-9)
    assert sum(t["bits"] for t in report["tokens"][1:]) == pytest.approx(cached, rel=1e-9)
    off = run_json(capsys, "--model", model, "--max-tokens", "1200", "--cache-size", "0", str(held_out))
    assert off["cache"] is None
    assert off["totals"]["bits"] == pytest.approx(alone, rel=1e-9)
    assert off["totals"]["bits"] == pytest.approx(eval_total_bits(capsys, "--model", model, "--max-tokens", "1200", "--cache-size", "0", str(held_out))[0], rel=1e-9)
    assert off["totals"]["bits"] != report["totals"]["bits"]


def test_json_is_every_token_exactly_and_prints_nothing_a_terminal_acts_on(capsys, hostile: Path, trained_char_run: Path) -> None:
    assert main(["inspect", "--json", "--top-k", "3", "--model", str(trained_char_run), str(hostile)]) == 0
    out = capsys.readouterr().out
    assert not TERMINAL_ACTIVE.search(out)  # escapes, C1 and bidi controls are \u escapes
    report = json.loads(out)
    assert "".join(t["text"] for t in report["tokens"]) == hostile.read_text(encoding="utf-8")
    first, second = report["tokens"][:2]
    assert first["prob"] is None and first["bucket"] is None
    assert second["rank"] >= 1 and len(second["top"]) == 3 and second["bits"] == pytest.approx(-math.log2(second["prob"]))
    assert report["buckets"] == {"edges": [1, 3, 10], "labels": ["top-1", "top-3", "top-10", "beyond 10"]}
    assert sum(report["totals"]["bucket_shares"]) == pytest.approx(1.0)


def test_summary_is_neutralised(capsys, hostile: Path, trained_char_run: Path) -> None:
    assert main(["inspect", "--model", str(trained_char_run), str(hostile)]) == 0
    out = capsys.readouterr().out
    assert "total" in out and "bits/char" in out and "top-1" in out and "most surprising:" in out
    assert not TERMINAL_ACTIVE.search(out)


class _Markup(HTMLParser):
    """The elements and attributes of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_html_page_holds_the_text_as_data_only(capsys, hostile: Path, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    args = ["inspect", "--model", str(default_model_dir()), "--html", str(page), "--cells", "3", "--cells-sample", "text", str(hostile)]
    assert main(args) == 0
    assert f"HTML page: {page}" in capsys.readouterr().out
    markup = page.read_text(encoding="utf-8")
    parsed = _Markup()
    parsed.feed(markup)
    tags = [tag for tag, _ in parsed.tags]
    assert tags.count("script") == 2 and "img" not in tags and tags.count("style") == 1  # the text's own are text
    assert not any(key in ("src", "href", "onerror", "onload") for _, attrs in parsed.tags for key in attrs)
    assert not re.search(r"https?://", markup)  # nothing fetched
    policy = next(a["content"] for t, a in parsed.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert f"script-src {script_hash()};" in policy and "default-src 'none'" in policy and "connect-src 'none'" in policy
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" not in markup  # per-character spans split it...
    assert "\x1b" not in markup and "\x9b" not in markup and "\u202e" not in markup  # escapes are shown as ␛, ⟨U+009B⟩, ⟨U+202E⟩
    data = markup.split('<script type="application/json" id="data">')[1].split("</script>")[0]
    assert "<" not in data and ">" not in data
    tokens = json.loads(data)["tokens"]
    assert tokens[0] is None and len(tokens) == len(HOSTILE) * 3
    assert markup.count('class="cell"') == 3


def test_progress_on_a_long_text(capsys, monkeypatch, trained_char_run: Path, shakespeare_100k: Path) -> None:
    monkeypatch.setattr(inspect_command, "PROGRESS_FROM", 2_000)
    assert main(["inspect", "--model", str(trained_char_run), "--max-tokens", "4500", str(shakespeare_100k)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [f"inspecting {shakespeare_100k}: {n:,} of 4,501 tokens" for n in (1000, 2000, 3000, 4000, 4501)]


@pytest.mark.parametrize(("content", "extra", "message"), [
    pytest.param(b"\x89PNG\r\n\x1a\n" + bytes(range(256)), [], "looks like a binary file, not text", id="binary"),
    pytest.param(b"", [], "is empty", id="empty"),
    pytest.param(b"x", [], "has fewer than two tokens; there is nothing to inspect", id="one-token"),
    pytest.param(b"some text", ["--top-k", "21"], "--top-k must be from 0 to 20, got 21", id="top-k"),
    pytest.param(b"some text", ["--max-tokens", "0"], "--max-tokens must be at least 1, got 0", id="max-tokens"),
    pytest.param(b"some text", ["--cells", "-1"], "--cells must be 0 (none) or more, got -1", id="cells"),
    pytest.param(b"some text", ["--html", "/nonexistent-folder/page.html"], "could not write /nonexistent-folder/page.html", id="unwritable"),
])
def test_bad_input_is_one_line(capsys, tmp_path: Path, trained_char_run: Path, content: bytes, extra: list[str], message: str) -> None:
    path = tmp_path / "in\x1b[2Jput.txt"  # an escape sequence in the file name too
    path.write_bytes(content)
    assert main(["inspect", "--model", str(trained_char_run), "--cells", "0", *extra, str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "\x1b" not in err


def test_a_page_too_large_for_a_browser_is_refused(capsys, monkeypatch, tmp_path: Path, trained_char_run: Path, held_out: Path) -> None:
    import lstm_tui.engine.inspect.report_html as report_html

    monkeypatch.setattr(report_html, "HTML_MAX_TOKENS", 1000)
    assert main(["inspect", "--model", str(trained_char_run), "--html", str(tmp_path / "p.html"), str(held_out)]) == 2
    err = capsys.readouterr().err
    assert "more than an HTML page shows comfortably (1,000); inspect a part with --max-tokens 1,000, or use --json" in err


def test_word_tokens_in_json_and_html(capsys, japanese_run: Path, tmp_path: Path) -> None:
    """MeCab words (no spaces) and line ends: every token points at its own text, and the page
    shows the whole text, gaps and all."""
    source = tmp_path / "ja.txt"
    text = "名前はまだ無い。\n  ま、いいか。\n名前は"
    source.write_text(text, encoding="utf-8")
    report = run_json(capsys, "--model", str(japanese_run), str(source))
    assert report["tokenizer"] == "mecab" and report["buckets"]["edges"] == [10, 100, 1000]
    for token in report["tokens"]:
        assert text[token["start"] : token["end"]] == token["text"]
    assert [t["text"] for t in report["tokens"] if t["text"] == "\n"] == ["\n", "\n"]
    assert report["tokens"][-1]["text"] == "は"
    page = tmp_path / "ja.html"
    assert main(["inspect", "--model", str(japanese_run), "--html", str(page), "--cells", "1", "--cells-sample", "text", str(source)]) == 0
    capsys.readouterr()
    body = page.read_text(encoding="utf-8").split('<div id="text" class="text">')[1].split("</div>")[0]
    import html as html_module

    assert html_module.unescape(re.sub(r"<[^>]+>", "", body)) == text
    assert body.count('<span class="t ') == len(report["tokens"])
