"""Prediction while typing: the stateful predictor, its suggestions and ghost text, and the continuous cache."""
