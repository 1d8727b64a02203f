#!/usr/bin/env bash
# bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [train.py options]
# (srun, mmengine launcher 'slurm'; the same interface as mmpretrain's / mmdet's / mmrazor's)
usage() {
    echo "usage: bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [train.py options]"
    echo "Train with srun on GPUS tasks, GPUS_PER_NODE per node (one GPU each; gloo on CPU-only nodes)."
    echo "Env: GPUS (default 8), GPUS_PER_NODE (default 8), CPUS_PER_TASK (default 5), SRUN_ARGS, PORT."
}
case "${1:-}" in -h|--help) usage; exit 0;; esac
err() { echo "slurm_train.sh: error: $1 (see slurm_train.sh --help)" >&2; exit 2; }
[[ $# -ge 4 ]] || err "expected PARTITION JOB_NAME CONFIG WORK_DIR"
[[ -f $3 ]] || err "no such config file: '$3'"
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
for v in GPUS GPUS_PER_NODE CPUS_PER_TASK; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || err "$v must be a positive integer, got '${!v}'"
done
(( GPUS_PER_NODE <= GPUS )) || GPUS_PER_NODE=$GPUS  # one node with fewer tasks than a node has
SRUN_ARGS=${SRUN_ARGS:-""}

# shellcheck disable=SC2086  # SRUN_ARGS holds several options
srun -p "$1" \
    --job-name="$2" \
    --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    python -u "$(dirname "$0")/train.py" "$3" --work-dir="$4" --launcher=slurm "${@:5}"
