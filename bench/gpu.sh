#!/usr/bin/env bash
# ILGPU kernels on a CUDA GPU: the ILGPU tests (the same ones CI runs on ILGPU's CPU accelerator,
# here with SPP_ILGPU_TEST_DEVICE=cuda) and a GEMM / 3x3-convolution throughput bench.
#
# UNTESTED ON A GPU: the session that wrote this had no GPU lent; only `build` and `run ilgpu-cpu`
# were run (on the CPU accelerator).
#
#   bench/gpu.sh build         on a machine with the .NET SDK: writes out/gpu/ (under 64 MiB):
#                              app/ = `dotnet publish` of bench/gpu, framework-dependent and not
#                              trimmed (ILGPU compiles kernels from IL by reflection, which trimming
#                              would break), and dotnet-runtime.tar.gz = this machine's .NET runtime
#                              (dotnet host, hostfxr, Microsoft.NETCore.App; gzip, which every
#                              machine can unpack, where xz would save 9 MiB).
#   bench/gpu.sh run [device]  on the GPU machine (no SDK, no network; e.g. the device tool with
#                              carry ["out/gpu"]): unpacks the runtime under $TMPDIR and runs the tests,
#                              then the bench. device: cuda (default) or ilgpu-cpu (a smoke run).
set -euo pipefail
cd "$(dirname "$0")/.."
out=out/gpu

case "${1:-}" in
build)
    rm -rf "$out"
    dotnet publish bench/gpu/SppGpuBench.csproj -c Release -o "$out/app" -p:PublishTrimmed=false -p:DebugType=none \
        -p:SatelliteResourceLanguages=en
    # ONNX Runtime's native libraries (over 300 MiB, through the test project's model helpers) are
    # never loaded by the ILGPU tests or the bench.
    rm -rf "$out/app/runtimes"
    root=$(dirname "$(readlink -f "$(command -v dotnet)")")
    tar -C "$root" -czf "$out/dotnet-runtime.tar.gz" dotnet host shared/Microsoft.NETCore.App
    size=$(du -sm "$out" | cut -f1)
    echo "$out: ${size} MiB"
    if [ "$size" -ge 64 ]; then echo "over the 64 MiB the device tool carries" >&2; exit 1; fi
    ;;
run)
    device=${2:-cuda}
    rt=${TMPDIR:-/tmp}/spp-dotnet
    if [ ! -x "$rt/dotnet" ]; then
        mkdir -p "$rt"
        tar -C "$rt" -xzf "$out/dotnet-runtime.tar.gz"
    fi
    export DOTNET_ROOT=$rt DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
    command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
    status=0
    "$rt/dotnet" "$out/app/SppGpuBench.dll" test "$device" || status=$?
    "$rt/dotnet" "$out/app/SppGpuBench.dll" bench "$device" || status=$?
    exit "$status"
    ;;
*)
    echo "usage: bench/gpu.sh build | run [cuda|ilgpu-cpu]" >&2
    exit 2
    ;;
esac
