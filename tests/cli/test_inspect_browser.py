"""The `lstm-tui inspect --html` page in a real headless chromium: what it renders after load,
the hover, dark mode, and that text crafted as markup or script stays text (no script runs, no
request leaves the page). Skipped with the reason where chromium or Playwright is missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lstm_tui.cli import main
from lstm_tui.engine.data.textfile import neutralise
from lstm_tui.paths import default_model_dir
from tests.browser import browser, page  # noqa: F401  (fixtures)
from tests.cli.test_inspect_cli import HOSTILE


@pytest.fixture(scope="module")
def inspected(tmp_path_factory) -> tuple[Path, dict, str]:
    """The page for a hostile text under the shipped default, the same analysis as JSON, and the text."""
    folder = tmp_path_factory.mktemp("page")
    source = folder / "hostile.txt"
    text = HOSTILE * 2
    source.write_text(text, encoding="utf-8")
    page_path = folder / "page.html"
    model = str(default_model_dir())
    assert main(["inspect", "--model", model, "--html", str(page_path), "--cells", "2", "--cells-sample", "text", str(source)]) == 0
    import io
    import contextlib

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["inspect", "--model", model, "--json", str(source)]) == 0
    return page_path, json.loads(out.getvalue()), text


def test_the_page_renders_every_token_in_its_bucket_and_runs_no_injected_script(page, inspected, tmp_path: Path) -> None:  # noqa: F811
    page_path, report, text = inspected
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_path.as_uri())
    page.wait_for_selector("body[data-ready=yes]")  # the page's own script ran (allowed by its hash)
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 2
    assert page.evaluate("getComputedStyle(document.body).display") != "none"  # the text's </style><style> is text
    classes = page.eval_on_selector_all("#text span.t", "spans => spans.map(s => s.className)")
    expected = ["t ctx" if t["bucket"] is None else f"t b{t['bucket']}" for t in report["tokens"]]
    assert classes == expected
    assert page.inner_text("#text") == neutralise(text)  # escape sequences shown as ␛[31m…, exactly once each
    legend = page.inner_text("#legend")
    for label in ("top-1", "top-3", "top-10", "beyond 10", "context"):
        assert label in legend
    underline = page.eval_on_selector("#text span.b3", "s => getComputedStyle(s).textDecorationLine")
    assert underline == "underline"  # the worst bucket reads without colour too
    assert page.evaluate("document.querySelectorAll('#cells .cell').length") == 2
    assert requests == [page_path.as_uri()]  # nothing else was asked for (the page's policy allows no fetch)
    assert errors == []
    page.screenshot(path=str(tmp_path / "inspect-light.png"), full_page=True)
    assert (tmp_path / "inspect-light.png").stat().st_size > 10_000


def test_hover_shows_probability_rank_bits_and_top_k(page, inspected) -> None:  # noqa: F811
    page_path, report, _ = inspected
    page.goto(page_path.as_uri())
    page.wait_for_selector("body[data-ready=yes]")
    index = next(t["i"] for t in report["tokens"] if t["rank"] is not None and t["rank"] > 1)
    token = report["tokens"][index]
    page.hover(f"#text span.t[data-i='{index}']")
    tip = page.inner_text("#tip")
    assert page.is_visible("#tip")
    assert f"token {index}:" in tip and "probability" in tip and "surprisal" in tip
    assert f"rank\t{token['rank']}" in tip or f"rank {token['rank']}" in tip
    assert f"{token['bits']:.2f} bits" in tip
    assert "top-5" in tip and len(tip.splitlines()) >= 4 + 5
    page.hover("#text span.t[data-i='0']")
    assert "the context: not scored" in page.inner_text("#tip")


def test_dark_mode_has_its_own_colours(page, inspected, tmp_path: Path) -> None:  # noqa: F811
    page_path, _, _ = inspected
    page.goto(page_path.as_uri())
    page.wait_for_selector("body[data-ready=yes]")
    light = page.eval_on_selector("#text span.b0", "s => getComputedStyle(s).backgroundColor")
    page.emulate_media(color_scheme="dark")
    dark = page.eval_on_selector("#text span.b0", "s => getComputedStyle(s).backgroundColor")
    assert light != dark and page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(22, 22, 22)"
    page.screenshot(path=str(tmp_path / "inspect-dark.png"), full_page=True)
