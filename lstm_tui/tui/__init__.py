"""The Textual app: predict, train and models screens over the engine (a client of it, no training code here)."""
