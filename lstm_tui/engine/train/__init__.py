"""Training: the option declarations and config, presets, the trainer and its parts (schedule, validation, snapshots, processes)."""
