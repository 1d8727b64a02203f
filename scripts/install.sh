#!/usr/bin/env bash
# Idempotent install of the pinned OpenMMLab stack + mmkd-plugins (editable) into .venv/.
#
#   bash scripts/install.sh lite [--switch]   classification and distillation: mmcv-lite (no
#                                            compiled ops, nothing to build), no mmdet
#   bash scripts/install.sh full             + mmcv with its compiled ops (built once, cached)
#                                            and mmdet: detection, the test suite, CI
#
# mmcv and mmcv-lite share the `mmcv` import name: the install switching levels uninstalls the
# one before installing the other. `lite` on a venv that has the full stack keeps it (it runs
# classification too); `lite --switch` replaces it with mmcv-lite.
#
#   VENV=.venv            where the virtual environment lives
#   PYTHON=python3        the interpreter that creates it (3.11)
#   MMKD_CACHE=~/.cache/mmkd-plugins   where the built mmcv wheel is kept, keyed by torch version
#   FORCE_CUDA=1          build mmcv's CUDA ops too (needs nvcc and a CUDA torch)
#   TORCH_SPEC="torch==2.14.1 torchvision==0.29.1"  override for your own (e.g. CUDA) torch
#
# The mmcv 2.1.0 build (~21 min on 2 cores) runs only when no wheel built against the same torch
# (version + CUDA) is in the cache; a warm install reuses it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LEVEL=${1:-full}
SWITCH=${2:-}
if [[ $LEVEL != lite && $LEVEL != full ]] || [[ -n $SWITCH && $SWITCH != --switch ]]; then
  echo "scripts/install.sh: level '$*': use 'lite' (classification on mmcv-lite), 'lite --switch'" \
       "(replace a full install by lite) or 'full' (mmcv with ops + mmdet)" >&2
  exit 2
fi
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
MMKD_CACHE=${MMKD_CACHE:-$HOME/.cache/mmkd-plugins}
TORCH_SPEC=${TORCH_SPEC:-"torch==2.14.1 torchvision==0.29.1"}
STAMP=$VENV/.mmkd-installed
t0=$(date +%s)
log() { echo "[install $(( $(date +%s) - t0 ))s] $*"; }

# The stamp records the inputs of the install; if they are unchanged, there is nothing to do.
inputs="$(cat constraints.txt setup.py scripts/install.sh | sha1sum | cut -c1-16) $TORCH_SPEC ${FORCE_CUDA:-0}"
have=$(cat "$STAMP" 2>/dev/null || true)
if [[ $have == "$inputs $LEVEL" ]] || [[ $LEVEL == lite && -z $SWITCH && $have == "$inputs full" ]]; then
  log "up to date ($VENV, ${have##* })"; exit 0
fi

[[ -x $VENV/bin/python ]] || { log "creating $VENV"; "$PYTHON" -m venv "$VENV"; }
PY=$(cd "$VENV" && pwd)/bin/python
PIP=("$PY" -m pip --disable-pip-version-check -q)
C=(-c "$ROOT/constraints.txt")
if [[ $LEVEL == lite && -z $SWITCH ]] && "$PY" -c 'import mmcv.ops' 2>/dev/null; then
  log "mmcv with its ops is installed: kept (it runs classification too; 'lite --switch' replaces it)"
  LEVEL=full
fi

"$PY" -c 'import sys; assert sys.version_info[:2] == (3, 11), f"Python 3.11 needed, got {sys.version}"'
log "torch: $TORCH_SPEC"
# shellcheck disable=SC2086
"${PIP[@]}" install "${C[@]}" $TORCH_SPEC
"${PIP[@]}" install "${C[@]}" mmengine==0.10.7 "setuptools<81" wheel ninja

installed() { "$PY" -m pip show -q "$1" >/dev/null 2>&1; }
if [[ $LEVEL == lite ]]; then
  # classification needs no compiled op: mmcv-lite is a pure-Python wheel of the same version
  if installed mmcv; then log "switching to mmcv-lite: uninstalling mmcv (with ops) and mmdet"; fi
  "${PIP[@]}" uninstall -y mmdet mmcv >/dev/null 2>&1 || true
  installed mmcv-lite || "${PIP[@]}" install "${C[@]}" mmcv-lite==2.1.0
elif ! "$PY" -c 'import mmcv, mmcv.ops' 2>/dev/null; then
  if installed mmcv-lite; then
    log "switching to mmcv with ops: uninstalling mmcv-lite"
    "${PIP[@]}" uninstall -y mmcv-lite
  fi
  key=$("$PY" -c 'import torch; print(f"torch{torch.__version__}-cuda{torch.version.cuda}")')
  [[ ${FORCE_CUDA:-0} == 1 ]] && key="$key-forcecuda"
  wdir=$MMKD_CACHE/wheels/$key
  whl=$(ls "$wdir"/mmcv-2.1.0-*.whl 2>/dev/null | head -1 || true)
  if [[ -z $whl ]]; then
    log "building mmcv 2.1.0 with ops against $key (this takes ~20 min on 2 cores)"
    src=$(mktemp -d)
    "${PIP[@]}" download --no-deps --no-binary :all: --no-build-isolation -d "$src" mmcv==2.1.0 \
      || "${PIP[@]}" download --no-deps -d "$src" mmcv==2.1.0
    tar -xzf "$src"/mmcv-2.1.0.tar.gz -C "$src"
    # torch >= 2.10 headers require C++20; mmcv 2.1.0 hard-codes -std=c++17.
    sed -i 's/-std=c++17/-std=c++20/g' "$src"/mmcv-2.1.0/setup.py
    mkdir -p "$wdir"
    (cd "$src"/mmcv-2.1.0 && MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
      "${PIP[@]}" wheel --no-deps --no-build-isolation --no-cache-dir -w "$src/dist" .)
    cp "$src"/dist/mmcv-2.1.0-*.whl "$wdir"/
    rm -rf "$src"
    whl=$(ls "$wdir"/mmcv-2.1.0-*.whl | head -1)
  else
    log "reusing cached $whl"
  fi
  "${PIP[@]}" install --no-deps "$whl"
fi

log "OpenMMLab packages ($LEVEL)"
DETECTION=()
[[ $LEVEL == full ]] && DETECTION=(mmcv==2.1.0 mmdet==3.3.0)
"${PIP[@]}" install "${C[@]}" "${DETECTION[@]}" mmpretrain==1.2.0 mmrazor==1.0.0 \
  joblib pytest matplotlib tensorboard
# openmim (mim train/test/run/search): without its dependency opendatalab, which pulls openxlab,
# which pins setuptools~=60.2 against torch's >=77 (mim itself never imports either).
"${PIP[@]}" install "${C[@]}" --no-deps openmim==0.3.9
"${PIP[@]}" install "${C[@]}" model-index click colorama pandas requests rich tabulate
"${PIP[@]}" install "${C[@]}" --no-deps --no-build-isolation -e .
# mim looks for a package at <site-packages>/<name> (mim.utils.get_installed_path); an editable
# install leaves nothing there, so point that path at the checkout (its .mim/ links configs/,
# tools/ and model-index.yml, made by setup.py).
SITE=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
[[ -e $SITE/mmkd_plugins && ! -L $SITE/mmkd_plugins ]] || ln -sfn "$ROOT/mmkd_plugins" "$SITE/mmkd_plugins"
# pip check, minus the one missing requirement left out on purpose (see openmim above)
if ! out=$("$PY" -m pip check 2>&1); then
  rest=$(grep -v '^openmim .* requires opendatalab, which is not installed' <<<"$out" || true)
  [[ -z $rest ]] || { echo "$rest"; exit 1; }
fi

# Fashion-MNIST (real offline data) from Debian's package, where we can install it.
if [[ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz && ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    log "installing Debian package dataset-fashion-mnist"
    (apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1) || \
      (apt-get update -q >/dev/null && apt-get install -y -q dataset-fashion-mnist >/dev/null)
  else
    log "WARNING: Fashion-MNIST missing: install the Debian package 'dataset-fashion-mnist'"
  fi
fi
echo "$inputs $LEVEL" > "$STAMP"
log "done ($LEVEL)"
