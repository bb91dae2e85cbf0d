"""Text in: reading corpora safely (encodings, Aozora, compressed files), tokenizers, the vocabulary, and the id streams a run trains on."""
