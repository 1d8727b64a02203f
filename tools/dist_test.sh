#!/usr/bin/env bash
# bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py options]
usage() { echo "usage: bash tools/dist_test.sh CONFIG CHECKPOINT NUM_PROCS [test.py options]"; echo "Evaluate with torchrun on NUM_PROCS processes. Env: PORT."; }
case "${1:-}" in -h|--help) usage; exit 0;; esac
if [[ $# -lt 3 ]]; then echo "dist_test.sh: error: expected CONFIG CHECKPOINT NUM_PROCS (see dist_test.sh --help)" >&2; exit 2; fi
if [[ ! -f $1 ]]; then echo "dist_test.sh: error: no such config file: '$1'" >&2; exit 2; fi
if ! [[ ${3} =~ ^[1-9][0-9]*$ ]]; then echo "dist_test.sh: error: NUM_PROCS must be a positive integer, got '${3}'" >&2; exit 2; fi
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
PORT=${PORT:-29500}

PYTHONPATH="$(dirname "$0")/..":$PYTHONPATH \
python -m torch.distributed.run --nproc_per_node="$GPUS" --master_port="$PORT" \
    "$(dirname "$0")/test.py" "$CONFIG" "$CHECKPOINT" --launcher pytorch "${@:4}"
