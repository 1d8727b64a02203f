#!/usr/bin/env bash
# bash tools/gpu_check.sh WHEEL_DIR|- OUT_DIR [python -m benchmarks.gpu_check options]
# The offline GPU check: installs the OpenMMLab wheels of WHEEL_DIR (tools/misc/gpu_wheels.py
# fills it) into a folder of their own -- the machine's torch is not touched -- and runs every
# method on the GPU, the throughput comparison and, with the time left, the accuracy table's core
# rows; OUT_DIR/summary.json says what it ran and saw. '-' for WHEEL_DIR: the stack is installed.
usage() {
  echo "usage: bash tools/gpu_check.sh WHEEL_DIR|- OUT_DIR [--budget S] [--iters N] [--dry-run] ..."
  echo "Offline check of every method on a CUDA machine (python -m benchmarks.gpu_check --help)."
  echo "Env: PYTHON (default python3), GPU_CHECK_SITE (install folder, default /tmp/mmkd_gpu_site)."
}
case "${1:-}" in -h|--help) usage; exit 0;; esac
if [[ $# -lt 2 ]]; then echo "gpu_check.sh: error: expected WHEEL_DIR|- OUT_DIR (see gpu_check.sh --help)" >&2; exit 2; fi
WHEELS=$1
OUT=$(mkdir -p "$2" && cd "$2" && pwd) || { echo "gpu_check.sh: error: cannot create OUT_DIR '$2'" >&2; exit 2; }
shift 2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-python3}
SITE=${GPU_CHECK_SITE:-/tmp/mmkd_gpu_site}
EXTRA=()
if [[ $WHEELS != - ]]; then
  if ! ls "$WHEELS"/*.whl >/dev/null 2>&1; then
    echo "gpu_check.sh: error: no .whl files in '$WHEELS' (fill it with python tools/misc/gpu_wheels.py $WHEELS)" >&2; exit 2
  fi
  echo "[gpu_check] installing $(ls "$WHEELS"/*.whl | wc -l) wheels into $SITE (no index, no dependencies)"
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target "$SITE" "$WHEELS"/*.whl || { echo "gpu_check.sh: error: pip could not install the wheels of '$WHEELS'" >&2; exit 1; }
  export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
  [[ -d $WHEELS/fashion-mnist ]] && EXTRA+=(--data-root "$(cd "$WHEELS/fashion-mnist" && pwd)")
fi
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
if ! err=$(cd "$ROOT" && "$PY" -c 'import mmkd_plugins' 2>&1); then
  echo "gpu_check.sh: error: the stack does not import: $(echo "$err" | tail -1)" >&2; exit 1
fi
cd "$ROOT" && exec "$PY" -m benchmarks.gpu_check --out "$OUT" "${EXTRA[@]}" "$@"
