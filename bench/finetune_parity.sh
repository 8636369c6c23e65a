#!/usr/bin/env bash
# One epoch of fine-tuning from the PyTorch-trained model, sppc vs PyTorch, same recipe (SGD momentum 0.9,
# weight decay 5e-4, lr 0.01 with per-iteration cosine decay to 0, batch 128, random crop 2 + flip), then
# test accuracy (sppc's model measured with ONNX Runtime through `sppc eval`; PyTorch's in eval mode).
#   bench/finetune_parity.sh [MODEL=resnet20] [DATA_DIR=../shared/data/fashion-mnist] [EPOCHS=1]
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-resnet20}
data=${2:-../shared/data/fashion-mnist}
epochs=${3:-1}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
train=$data/train-images-idx3-ubyte.gz
val=$data/t10k-images-idx3-ubyte.gz
dotnet build src/Cli -c Release -v q --nologo >/dev/null
sppc=src/Cli/bin/Release/net10.0/sppc

/usr/bin/python3 bench/python/torch_train.py finetune "models/$model.bn.onnx" --data "$train" --val "$val" --epochs "$epochs" --lr 0.01 >"$out/torch.json"
start=$(date +%s.%N)
$sppc finetune "models/$model.bn.onnx" --data "$train" --mean 0.2860 --std 0.3530 --epochs "$epochs" --lr 0.01 \
  --weight-decay 5e-4 --momentum 0.9 --augment crop:2,flip --seed 0 -o "$out/sppc.onnx" >/dev/null
end=$(date +%s.%N)
$sppc eval "$out/sppc.onnx" --val "$val" --mean 0.2860 --std 0.3530 --json 2>/dev/null >"$out/eval.json"
python3 - "$out" "$model" "$epochs" "$start" "$end" <<'PY'
import json, sys
out, model, epochs, start, end = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
t = json.load(open(f"{out}/torch.json"))
s = json.load(open(f"{out}/eval.json"))
print(f"{model}, {epochs} epoch(s) at lr 0.01 from the trained model (before: {100 * t['accuracy_before']:.2f}%)")
print(f"  PyTorch: {100 * t['accuracy']:.2f}% in {t['seconds']:.0f} s")
print(f"  sppc:    {100 * s['top1']:.2f}% in {end - start:.0f} s (incl. start-up)")
print(f"  difference: {100 * (s['top1'] - t['accuracy']):+.2f} points")
PY
