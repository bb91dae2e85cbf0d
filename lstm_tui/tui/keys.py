"""Make alt+1 … alt+9 arrive as `alt+N` keys.

Terminals without the kitty keyboard protocol (tmux, SSH, xterm, iTerm with "Esc+") send alt+2 as
ESC followed by "2". Textual maps exactly those ESC+digit pairs to the characters macOS types for
Option+digit (¡ ™ £ ¢ ∞ § ¶ • ª º), a WezTerm-on-macOS convenience, so the picks could never be
bound as alt+N and binding the characters instead would take £ or ¡ from people who type them.
Dropping those ten entries lets Textual's generic ESC-prefix rule report them as alt+digit.
"""

from __future__ import annotations

ALT_DIGIT_SEQUENCES = tuple(f"\x1b{digit}" for digit in "0123456789")


def enable_alt_digits() -> None:
    """Let ESC+digit be parsed as alt+digit (idempotent; only removes the macOS-character entries)."""
    try:
        from textual._ansi_sequences import ANSI_SEQUENCES_KEYS
    except ImportError:  # a Textual without that table parses ESC+digit as alt+digit already
        return
    for sequence in ALT_DIGIT_SEQUENCES:
        value = ANSI_SEQUENCES_KEYS.get(sequence)
        if isinstance(value, str) and len(value) == 1 and not value.isascii():
            del ANSI_SEQUENCES_KEYS[sequence]
