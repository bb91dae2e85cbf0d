"""The engine: corpus → tokenizer → two-layer LSTM → training → checkpoint → predictor.

It knows nothing of the UI; the CLI, the headless trainer and the TUI are its clients.
"""
