"""Errors that are the user's to fix.

Anything raised as `UserError` is shown as one line that says what to do, never as a traceback:
the CLI prints it and exits non-zero, the TUI shows it in a dialog — or, when the error names the
option it is about (`field`), next to that option's row in the train form.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input, shown as one line that says what to do."""

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        """The training option (a `TrainConfig` field name) the error is about, if any."""


def brief(exc: BaseException, limit: int = 80) -> str:
    """A library exception's message on one line and cut to `limit` characters, to quote inside a
    `UserError` (NumPy's and json's messages can span lines)."""
    return " ".join(str(exc).split())[:limit]
