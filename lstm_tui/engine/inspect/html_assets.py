"""The inline style and script of the HTML page: no file, font or script is fetched.

The script only reads the page's own JSON block and writes `textContent`: the inspected text is
data and never markup. The page's Content-Security-Policy allows this script by its hash and no
other, so even markup that slipped into the text could not run.
"""

from __future__ import annotations

import base64
import hashlib

BUCKET_COLOURS = ("#b7e4b0", "#ffe28a", "#ffb38a", "#d9b8ff")  # green, yellow, orange, purple (GLTR's order)
DARK_BUCKET_COLOURS = ("#1f5f2a", "#6b5a10", "#7a3a12", "#5a2d86")

CSS = """
:root { color-scheme: light dark; --fg: #1b1b1b; --bg: #fdfdfb; --muted: #5d5d5d; --tip: #ffffff; --line: #c8c8c8;
  --b0: %s; --b1: %s; --b2: %s; --b3: %s; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e8e8e8; --bg: #161616; --muted: #a8a8a8; --tip: #262626; --line: #444;
    --b0: %s; --b1: %s; --b2: %s; --b3: %s; }
}
body { font: 15px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 1.5em auto; max-width: 72em; padding: 0 1em; }
h1 { font-size: 1.25em; margin: 0 0 .3em; overflow-wrap: anywhere; }
h2 { font-size: 1.1em; margin: 1.5em 0 .4em; }
h3 { font: 600 .95em/1.4 ui-monospace, monospace; margin: 1em 0 .3em; }
.muted { color: var(--muted); }
.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .4em 1.2em; margin: .5em 0 1em; }
.text, .strip { font: 14px/1.6 ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre-wrap; overflow-wrap: anywhere;
  border: 1px solid var(--line); border-radius: 4px; padding: .6em .8em; }
.t { border-radius: 2px; }
.b0 { background: var(--b0); } .b1 { background: var(--b1); } .b2 { background: var(--b2); }
.b3 { background: var(--b3); text-decoration: underline 2px; text-underline-offset: 2px; }
.ctx { outline: 1px dashed var(--muted); }
.t:hover, .t.on { outline: 2px solid var(--fg); }
#tip { position: absolute; z-index: 2; background: var(--tip); border: 1px solid var(--line); border-radius: 4px;
  padding: .4em .6em; font: 13px/1.45 ui-monospace, monospace; box-shadow: 0 2px 8px rgba(0,0,0,.25); pointer-events: none; max-width: 28em; }
#tip table { border-collapse: collapse; } #tip td { padding: 0 .5em 0 0; }
.scale { display: inline-block; width: 9em; height: .8em; vertical-align: middle; border-radius: 2px;
  background: linear-gradient(to right, rgb(38,110,200), transparent, rgb(214,50,40)); }
""" % (*BUCKET_COLOURS, *DARK_BUCKET_COLOURS)

SCRIPT = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("data").textContent);
  var tip = document.getElementById("tip");
  var shown = { " ": "\\u2423", "\\n": "\\u21b5", "\\t": "\\u21e5" };
  function visible(text) { return text.split("").map(function (c) { return shown[c] || c; }).join(""); }
  function row(table, label, value) {
    var tr = table.insertRow(); tr.insertCell().textContent = label; tr.insertCell().textContent = value;
  }
  function show(span) {
    var i = Number(span.dataset.i), t = data.tokens[i];
    tip.replaceChildren();
    var head = document.createElement("div");
    head.textContent = "token " + i + ": " + visible(span.textContent);
    tip.appendChild(head);
    var table = document.createElement("table");
    if (t === null) {
      row(table, "", "the context: not scored");
    } else {
      row(table, "probability", (100 * t[0]).toPrecision(3) + " %");
      row(table, "rank", String(t[1]));
      row(table, "surprisal", t[2].toFixed(2) + " bits");
      t[3].forEach(function (choice, k) { row(table, k === 0 ? "top-" + t[3].length : "", choice[0] + "  " + (100 * choice[1]).toFixed(1) + " %"); });
    }
    tip.appendChild(table);
    var box = span.getBoundingClientRect();
    tip.style.left = (window.scrollX + box.left) + "px";
    tip.style.top = (window.scrollY + box.bottom + 6) + "px";
    tip.hidden = false;
  }
  var text = document.getElementById("text");
  text.addEventListener("mouseover", function (event) {
    var span = event.target.closest("span.t");
    if (span) { show(span); }
  });
  text.addEventListener("mouseleave", function () { tip.hidden = true; });
  document.body.dataset.ready = "yes";
})();
"""


def script_hash() -> str:
    """The CSP source that allows `SCRIPT` and nothing else."""
    digest = hashlib.sha256(SCRIPT.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"
