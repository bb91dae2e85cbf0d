"""Run folders: the model file, the trainer snapshot, the lock, events, listing runs, and the run service that starts and stops them."""
