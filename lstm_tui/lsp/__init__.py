"""Predictions where people type: the language server behind `lstm-tui lsp` (server.py, pygls),
the open documents it keeps (documents.py) and each document's incremental predictor
(completions.py, shared with `lstm-tui predict --stdin --json`). A client of the engine."""
