#!/usr/bin/env bash
# The GPU measurements of the speed and quality issues, as one prepared run for a GPU machine
# lent for a few minutes with no network: everything it needs is built and copied beforehand.
#
#   bash benchmarks/gpu_check.sh --prepare     # here, once per checkout: .whl/ and .device-data/
#   bash benchmarks/gpu_check.sh               # on the GPU machine, with both folders carried along
#                                              # (it finishes within ~10 minutes)
#
# --prepare builds Chainer 7.8.1's wheel (it ships only as an sdist) and fetches setuptools<81
# (Chainer imports pkg_resources) into .whl/, and copies the Penn Treebank from ../shared/corpora
# into .device-data/corpora/ (both folders are git-ignored; the GPU machine has no ../shared).
# The machine's image brings Python 3.12, NumPy, CuPy, Numba and threadpoolctl.
#
# On the GPU it writes, under $OUT (or runs/gpu-check/ elsewhere):
#   env.txt     versions, the GPU, whether Chainer sees CUDA
#   speed.txt   benchmarks/train_speed.py on the GPU: config d and d at batch 128 (issue: "config d
#               and a larger batch"), reference vs project, one round
#   ptb650.log  a 2×650 tied ptb-word run on the GPU for PTB_MINUTES (default 5), its test perplexity
#               at the end (target: ≤ 78); its model.json (config, vocabulary) and events.jsonl
# GPU_CHECK_DEVICE=cpu runs the same steps on the CPU, smaller, to check the script itself.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--prepare" ]; then
    set -e
    PY=".venv/bin/python"; [ -x "$PY" ] || PY=python3
    mkdir -p .whl .device-data/corpora
    PIP_CONSTRAINT="$PWD/constraints-build.txt" "$PY" -m pip wheel --quiet --no-deps -w .whl chainer==7.8.1
    "$PY" -m pip download --quiet --no-deps --only-binary=:all: -d .whl "setuptools==80.9.0"
    cp -r ../shared/corpora/ptb .device-data/corpora/
    du -sh .whl .device-data
    exit 0
fi

DEVICE="${GPU_CHECK_DEVICE:-gpu}"
OUT="${OUT:-runs/gpu-check}"
mkdir -p "$OUT"
if [ "$DEVICE" = gpu ]; then
    CHAINER_DEVICE="@cupy:0"; CONFIGS="d d128"; MINUTES="${PTB_MINUTES:-5}"; PY=python3
else
    CHAINER_DEVICE="cpu"; CONFIGS="c"; MINUTES="${PTB_MINUTES:-0.5}"; PY="${PYTHON:-python3}"
fi
"$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/gpu-check-site .whl/*.whl || exit 1
export PYTHONPATH="/tmp/gpu-check-site:$PWD" PYTHONUNBUFFERED=1
export LSTM_TUI_CHECKPOINTS=/tmp/gpu-check-runs
PTB=.device-data/corpora/ptb

{
    date -u
    nvidia-smi -L 2>/dev/null || echo "no nvidia-smi"
    "$PY" - <<'EOF'
import platform
import numpy
from lstm_tui.engine.runtime.chainer_compat import chainer
print("python", platform.python_version(), "numpy", numpy.__version__, "chainer", chainer.__version__)
from chainer.backends import cuda
print("chainer cuda available:", cuda.available, getattr(cuda, "_resolution_error", None) or "")
if cuda.available:
    import cupy
    print("cupy", cupy.__version__, "device", cupy.cuda.runtime.getDeviceProperties(0)["name"].decode())
EOF
} 2>&1 | tee "$OUT/env.txt"

echo "== training throughput on $DEVICE ($CONFIGS)"
timeout 170 "$PY" benchmarks/train_speed.py --device "$CHAINER_DEVICE" --configs $CONFIGS --rounds 1 --steps 5 \
    --impls reference project 2>&1 | tee "$OUT/speed.txt"

echo "== ptb-word at 2×650 on $DEVICE for $MINUTES min"
timeout $(( ${MINUTES%.*} * 60 + 150 )) "$PY" -m lstm_tui --headless-train --preset ptb-word \
    --corpus $PTB/ptb.train.txt --valid $PTB/ptb.valid.txt --test $PTB/ptb.test.txt --units 650 --embed 650 \
    --dropout 0.5 --batch-size 64 --weight-average 0 --time-budget "$MINUTES" --device "$DEVICE" --out /tmp/gpu-check-runs/ptb650 \
    2>&1 | tee "$OUT/ptb650.log"
cp /tmp/gpu-check-runs/ptb650/model.json /tmp/gpu-check-runs/ptb650/events.jsonl "$OUT/" 2>/dev/null
ls -l "$OUT"
