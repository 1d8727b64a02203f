#!/usr/bin/env bash
# bash tools/dist_train.sh CONFIG GPUS [train.py options]   (torchrun, mmengine launcher 'pytorch')
usage() { echo "usage: bash tools/dist_train.sh CONFIG NUM_PROCS [train.py options]"; echo "Train with torchrun on NUM_PROCS processes (GPUs; gloo on a CPU-only machine). Env: NNODES NODE_RANK PORT MASTER_ADDR."; }
case "${1:-}" in -h|--help) usage; exit 0;; esac
if [[ $# -lt 2 ]]; then echo "dist_train.sh: error: expected CONFIG NUM_PROCS (see dist_train.sh --help)" >&2; exit 2; fi
if [[ ! -f $1 ]]; then echo "dist_train.sh: error: no such config file: '$1'" >&2; exit 2; fi
if ! [[ ${2} =~ ^[1-9][0-9]*$ ]]; then echo "dist_train.sh: error: NUM_PROCS must be a positive integer, got '${2}'" >&2; exit 2; fi
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}

PYTHONPATH="$(dirname "$0")/..":$PYTHONPATH \
python -m torch.distributed.run \
    --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" --master_port="$PORT" \
    "$(dirname "$0")/train.py" "$CONFIG" --launcher pytorch "${@:3}"
