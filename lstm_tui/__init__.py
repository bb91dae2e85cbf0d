"""lstm-tui: a two-layer LSTM language model with Chainer, trained and used from the terminal."""
__version__ = "0.1.0"
