#!/usr/bin/env bash
# The pruning table of the README and the SPP issue: each model x speedup x method pruned while
# training on the full Fashion-MNIST training set (3 epochs in all: pruning + fine-tuning), test
# accuracy, MAC and latency speedups from each run's --report, and the wall time of each run.
#   bench/prune_matrix.sh OUT_DIR [MODELS="resnet20 vgg11s mbv2s"] [SPEEDUPS="2 4"] [METHODS="spp l1 taylor increg"] [-- extra sppc flags]
# DATA=DIR names the Fashion-MNIST folder; SEED=N (default 0) the seed, for seed spreads (one OUT_DIR per seed). Runs are skipped when OUT_DIR already holds their report; bench/python/report_table.py OUT_DIR prints the table.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: prune_matrix.sh OUT_DIR [MODELS] [SPEEDUPS] [METHODS] [-- flags]}
models=${2:-resnet20 vgg11s mbv2s}
speedups=${3:-2 4}
methods=${4:-spp l1 taylor increg}
shift $(( $# < 4 ? $# : 4 ))
[[ "${1:-}" == "--" ]] && shift
data=${DATA:-../shared/data/fashion-mnist}
seed=${SEED:-0}
mkdir -p "$out"
# SPPC=PATH runs a given build (e.g. a copy, so that rebuilding meanwhile cannot touch it).
if [[ -z "${SPPC:-}" ]]; then dotnet build src/Cli -c Release -v q --nologo >/dev/null; fi
sppc=${SPPC:-src/Cli/bin/Release/net10.0/sppc}
for model in $models; do
  for s in $speedups; do
    for m in $methods; do
      tag=$model.$s.$m
      [[ -f "$out/$tag.json" ]] && continue
      start=$(date +%s.%N)
      if $sppc "models/$model.bn.onnx" --speedup "$s" --method "$m" --data "$data/train-images-idx3-ubyte.gz" \
          --val "$data/t10k-images-idx3-ubyte.gz" --mean 0.2860 --std 0.3530 --epochs 3 --augment crop:2,flip \
          --seed "$seed" -o "$out/$tag.onnx" --report "$out/$tag.json" "$@" >"$out/$tag.log" 2>&1; then
        echo "$(date +%s.%N) - $start" | bc >"$out/$tag.wall"
        echo "$tag done in $(cat "$out/$tag.wall" | cut -d. -f1) s"
      else
        echo "$tag failed; see $out/$tag.log"
      fi
    done
  done
done
python3 bench/python/report_table.py "$out"
