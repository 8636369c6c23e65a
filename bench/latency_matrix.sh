#!/usr/bin/env bash
# The latency table of the README (issue 7): each model pruned data-free (l1) to 2x and 4x with --target macs and
# --target latency at --batch 64, then each slim model timed against its original with sppc bench (batch 1 and 64,
# 60 runs) three times, interleaved over all models. OUT gets the models, reports, logs, done.txt and bench.txt
# (one line per model and round: the batch-1 and batch-64 speedups).
#   bench/latency_matrix.sh OUT
out=$(realpath -m "${1:?usage: bench/latency_matrix.sh OUT}"); mkdir -p "$out"
cd "$(dirname "$0")/.." && dotnet build src/Cli -c Release -v q >/dev/null || exit 1
S="dotnet src/Cli/bin/Release/net10.0/sppc.dll"
for m in resnet20 vgg11s mbv2s; do for s in 2 4; do for t in macs latency; do
  tag=$m-$s-$t
  $S models/$m.bn.onnx --speedup $s --target $t --batch 64 -o $out/$tag.onnx --report $out/$tag.json > $out/$tag.log 2>&1
  echo "$tag rc=$?" >> $out/done.txt
done; done; done
for i in 1 2 3; do for m in resnet20 vgg11s mbv2s; do for s in 2 4; do for t in macs latency; do
  tag=$m-$s-$t
  [[ -f $out/$tag.onnx ]] || continue
  echo "$tag $i $($S bench models/$m.bn.onnx $out/$tag.onnx --batch 1,64 --runs 60 --warmup 10 2>&1 | grep -E "onnx .*x │" | awk -F'│' '{print $7}' | tr '\n' ' ')" >> $out/bench.txt
done; done; done; done
echo finished >> $out/done.txt
