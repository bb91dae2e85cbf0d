"""Errors that are the user's to fix.

Anything raised as `UserError` is shown as one line that says what to do, never as a traceback:
the CLI prints it and exits non-zero, the TUI shows it in a dialog.
"""


class UserError(Exception):
    """A problem with the user's input, shown as one line that says what to do."""
