"""`lstm-tui corpora`: the corpora this installation has."""

from __future__ import annotations

import argparse

SYNOPSIS = ""  # after `lstm-tui NAME`, for the main --help
SUMMARY = "list built-in and catalogued corpora"
DESCRIPTION = "List the corpora this installation has: built-in, bundled, and ../shared ones where present."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    from lstm_tui.engine.data.catalogue import catalogue_folder, listed_entries, load_catalogue

    print(f"{'NAME':<18} {'LEVEL':<11} DESCRIPTION")
    for entry in listed_entries(load_catalogue()):
        mark = f"  [{entry.note}]" if entry.note else ""
        print(f"{entry.name:<18} {entry.level_label:<11} {entry.description}{mark}")
    print(f"\ncatalogue: {catalogue_folder() / 'catalogue.json'} (see corpora/README.md to add one); any text file or folder also works: --corpus PATH")
    return 0
