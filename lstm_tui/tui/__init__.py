"""The Textual app: predict, train and models screens over the engine (a client of it, no training code here).

Start it with `lstm_tui.tui.entry.run_app`, which applies the process-wide settings first.
"""
