"""Every file of a run folder, read and checked into typed objects: the one boundary between what
is on disk and the rest of the program.

A run folder may come from another machine, be hand-edited, half-synced or written by a newer
version. Whatever is read from it is checked field by field here (types, ranges, finite numbers,
known names) before anything else sees it, so that a damaged file is one line saying what is
wrong (`reading.DamagedFile`, a `UserError`), never a traceback or a huge allocation:

- `model_json`: model.json → `ModelMeta` (sizes, vocabulary, tokenizer, recorded options, metrics)
- `eval_json`: eval.json → `RecordedEval`
- `event_lines`: an events.jsonl line → `TrainingEvent`
- `trainer_json`: trainer.npz's scalar state → `TrainerState`
- `lock_line`: train.lock → `LockOwner`
- `reading`: the files themselves (JSON, npz with its headers checked first, symlinks) and the
  check of a model's shapes against model.npz's headers before any weight is allocated;
  `npz_headers` reads those headers, `checks` declares what each JSON field must be.

Nothing outside this package indexes the JSON of a run folder.
"""
