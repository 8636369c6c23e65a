#!/usr/bin/env bash
# Torch-Pruning's L1 rows of models/README.md over several seeds, on PyTorch: the cut redone by
# bench/python/tp_l1_prune.py (same groups, importance, local ratio and progressive steps; MACs and
# parameters match the README's rows), then 3 epochs of fine-tuning at lr 0.01 by
# bench/python/torch_train.py (the reference models' recipe), test accuracy per seed and the mean.
#   bench/tp_reference.sh OUT_DIR [MODEL=resnet20] [SPEEDUP=2] [SEEDS="0 1 2 3 4"]
# Needs Debian's python3-torch and python3-onnx. DATA=DIR names the Fashion-MNIST folder.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: tp_reference.sh OUT_DIR [MODEL] [SPEEDUP] [SEEDS]}
model=${2:-resnet20}
speedup=${3:-2}
seeds=${4:-0 1 2 3 4}
data=${DATA:-../shared/data/fashion-mnist}
mkdir -p "$out"
cut=$out/$model.${speedup}x.tp.bn.onnx
/usr/bin/python3 bench/python/tp_l1_prune.py "models/$model.bn.onnx" --speedup "$speedup" -o "$cut" | tee "$out/$model.${speedup}x.cut.json"
for seed in $seeds; do
  result=$out/$model.${speedup}x.s$seed.json
  [[ -f "$result" ]] && continue
  # channels_last is several times slower than the default layout with Debian's PyTorch 1.13 on some CPUs.
  /usr/bin/python3 bench/python/torch_train.py finetune "$cut" --data "$data/train-images-idx3-ubyte.gz" \
    --val "$data/t10k-images-idx3-ubyte.gz" --epochs 3 --lr 0.01 --seed "$seed" --no-channels-last >"$result.tmp"
  mv "$result.tmp" "$result"
done
python3 - "$out" "$model" "$speedup" $seeds <<'PY'
import json, statistics, sys
out, model, speedup, seeds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
acc = [100 * json.load(open(f"{out}/{model}.{speedup}x.s{s}.json"))["accuracy"] for s in seeds]
spread = f", standard deviation {statistics.stdev(acc):.2f}" if len(acc) > 1 else ""
print(f"{model} {speedup}x, Torch-Pruning's L1 cut + 3 epochs at lr 0.01 (PyTorch), seeds {' '.join(seeds)}: "
      f"{' / '.join(f'{a:.2f}' for a in acc)}%, mean {statistics.mean(acc):.2f}%{spread}")
PY
