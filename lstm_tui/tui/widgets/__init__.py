"""Reusable pieces of the screens: editor, suggestions, status line, run monitor, corpus picker, form."""
