"""Held-out evaluation: perplexity, top-k, keystroke savings, and the n-gram baselines."""
