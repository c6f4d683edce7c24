#!/usr/bin/env bash
# The GPU check of the libtorch backend, for a fresh machine with an NVIDIA GPU, CUDA and a CUDA
# build of PyTorch, but no Node, no node_modules and no network. Everything Node-side comes from
# the working tree: .gpu-pack/ (made here by bench/gpu/pack.sh and carried along), or a Node and
# node_modules already on the machine. In order, each step under its own time limit (8 min in all):
#   1. unpack Node and node_modules from .gpu-pack when the machine has none;
#   2. build the addon against python3's torch (CUDA libs linked when the wheel has them);
#   3. the kernel parity suites with the libtorch backend on the device, against the cpu backend;
#   4. the conv autoencoder and the U-Net benchmark, trained by PyTorch and by untangle-on-libtorch
#      on the same device, one after the other, and the speed ratios (target >= 0.8x).
# Without a GPU (or with --device cpu) the same steps run on the CPU, with fewer steps: the dry
# run that tests this script on machines without a GPU.
#
# Usage: bash bench/gpu/check.sh [--device cuda|cuda:N|cpu] [--steps N] [--direct-build] [--out DIR]
#   --direct-build  compile with g++ directly instead of node-gyp (used when make is missing)
#   --out DIR       where logs and JSON go (default .gpu-pack/out; $OUT on the device machine)
# UNTANGLE_CHECK_BUILD_S (default 240) limits the build: enough on a 16-core GPU machine; a
# 2-core machine needs ~480 s for the six translation units.
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
device=cuda steps="" direct=0 out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --direct-build) direct=1; shift ;;
    --out) out=$2; shift 2 ;;
    *) echo "check: unknown argument $1" >&2; exit 2 ;;
  esac
done
out=${out:-$repo/.gpu-pack/out}
mkdir -p "$out"
t0=$(date +%s)
say() { echo "check [$(( $(date +%s) - t0 ))s]: $*"; }
fail=0

# ---- 1. Node and node_modules --------------------------------------------------------------------
if [ -f .gpu-pack/node.tar.xz ] && { ! command -v node >/dev/null || [ "${UNTANGLE_GPU_PACK_NODE:-}" = 1 ]; }; then
  mkdir -p .gpu-pack/run && tar -C .gpu-pack/run -xJf .gpu-pack/node.tar.xz
  export PATH="$repo/.gpu-pack/run/node/bin:$PATH"
  say "node $(node --version) from .gpu-pack"
fi
command -v node >/dev/null || { say "no node on this machine and no .gpu-pack/node.tar.xz (run bench/gpu/pack.sh where Node is installed)"; exit 1; }
if [ ! -d node_modules/@tensorflow/tfjs-core ]; then
  [ -f .gpu-pack/node_modules.tar.xz ] || { say "no node_modules and no .gpu-pack/node_modules.tar.xz"; exit 1; }
  rm -rf node_modules && tar -xJf .gpu-pack/node_modules.tar.xz
  say "node_modules from .gpu-pack"
fi
# The workspace package link npm would make.
mkdir -p node_modules/@untangle && ln -sfn ../../packages/tfjs-backend-libtorch node_modules/@untangle/tfjs-backend-libtorch

# ---- device and PyTorch ----------------------------------------------------------------------------
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1}
probe=$(python3 -c 'import torch; print(torch.__version__, torch.version.cuda, torch.cuda.is_available() and torch.cuda.device_count() or 0, torch.cuda.get_device_name(0) if torch.cuda.is_available() else "-")' 2>&1) \
  || { say "python3 has no usable torch: $probe"; exit 1; }
say "python3 torch: $probe"
gpus=$(echo "$probe" | awk '{print $3}')
if [ "${device%%:*}" = cuda ] && [ "$gpus" = 0 ]; then
  say "no GPU visible to torch: falling back to --device cpu (a dry run, not a GPU check)"
  device=cpu
fi
[ -n "$steps" ] || { [ "$device" = cpu ] && steps=2 || steps=20; }
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | sed 's/^/check: nvidia-smi: /'

# ---- 2. build ------------------------------------------------------------------------------------------
pkg=packages/tfjs-backend-libtorch
direct_build() {
  local info inc lib abi cuda std nodeinc
  info=$(node $pkg/build.mjs --find) || return 1
  [ "$info" != null ] || { say "build.mjs found no libtorch"; return 1; }
  read -r inc lib abi cuda ver src < <(node -e 'const f=JSON.parse(process.argv[1]); console.log(f.include, f.lib, f.cxx11Abi ?? 1, f.cuda ? 1 : 0, f.fullVersion, f.source)' "$info")
  nodeinc=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")/include/node
  [ -f "$nodeinc/node_api.h" ] || nodeinc=/usr/include/node
  std=c++20; grep -q 'CXX_STANDARD 20' "$(dirname "$inc")/share/cmake/Torch/TorchConfig.cmake" 2>/dev/null || std=c++17
  local defs="-DNAPI_VERSION=8 -D_GLIBCXX_USE_CXX11_ABI=$abi" libs="-L$lib -Wl,-rpath,$lib -ltorch -ltorch_cpu -lc10 -ldl"
  [ "$cuda" = 1 ] && { defs="$defs -DUT_WITH_CUDA=1"; libs="$libs -Wl,--no-as-needed -ltorch_cuda -lc10_cuda -Wl,--as-needed"; }
  mkdir -p $pkg/build/Release/obj
  local pids=() f
  for f in $pkg/native/*.cc; do
    g++ -c -fPIC -std=$std -O3 -fno-math-errno -fexceptions -frtti -w $defs -I"$nodeinc" -I"$inc" -I"$inc/torch/csrc/api/include" \
      "$f" -o "$pkg/build/Release/obj/$(basename "$f" .cc).o" & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || return 1; done
  g++ -shared -o $pkg/build/Release/untangle_torch.node $pkg/build/Release/obj/*.o $libs || return 1
  printf '{"version":"%s","source":"%s (direct g++ build, bench/gpu/check.sh)","include":"%s","lib":"%s","cuda":%s,"builtAt":"%s"}\n' \
    "$ver" "$src" "$inc" "$lib" "$([ "$cuda" = 1 ] && echo true || echo false)" "$(date -u +%FT%TZ)" > $pkg/build/untangle-libtorch.json
}
command -v make >/dev/null || { say "make not found: building with g++ directly"; direct=1; }
if [ "$direct" = 1 ]; then
  rm -rf $pkg/build
  timeout "${UNTANGLE_CHECK_BUILD_S:-240}" bash -c "$(declare -f direct_build say); t0=$t0 pkg=$pkg; direct_build" > "$out/build.log" 2>&1 || { say "direct build failed (log: $out/build.log)"; tail -20 "$out/build.log"; exit 1; }
else
  UT_BUILD_JOBS=$(nproc) timeout "${UNTANGLE_CHECK_BUILD_S:-240}" node $pkg/build.mjs --force > "$out/build.log" 2>&1
  cat "$out/build.log"
  [ -f $pkg/build/Release/untangle_torch.node ] || { say "addon not built (a build killed by the time limit leaves no log; UNTANGLE_CHECK_BUILD_S raises it)"; tail -30 $pkg/build.log 2>/dev/null; exit 1; }
fi
node --import tsx bench/gpu/probe.ts --device "$device" 2>&1 | tee "$out/addon.json" | sed 's/^/check: addon: /'
[ "${PIPESTATUS[0]}" = 0 ] || { say "the addon does not run on $device"; exit 1; }
say "built and loaded on $device"

# ---- 3. kernel parity on the device vs the cpu backend ----------------------------------------------
say "parity suites (libtorch on $device vs tfjs cpu)"
UNTANGLE_LIBTORCH_TEST_DEVICE=$device UNTANGLE_REQUIRE_LIBTORCH=1 timeout 200 node node_modules/vitest/vitest.mjs run \
  $pkg/test/kernels.test.ts $pkg/test/device.test.ts test/libtorch-fused.test.ts test/libtorch-coverage.test.ts > "$out/parity.log" 2>&1
rc=$?
grep -E "Test Files|Tests |FAIL|✗|×" "$out/parity.log" | head -40
[ $rc = 0 ] || { say "parity suites failed (rc $rc, log $out/parity.log)"; fail=1; }

# ---- 4. training speed next to PyTorch on the same device ---------------------------------------------
say "benchmarks ($steps timed steps each)"
: > "$out/bench.jsonl"
bench() {  # bench WORKLOAD AE_BATCH UNET_BATCH
  timeout 90 python3 bench/backends/torch_ref.py --device "$device" --workloads "$1" --steps "$steps" --ae-batch "$2" --unet-batch "$3" >> "$out/bench.jsonl" 2>> "$out/bench.err"
  timeout 120 node --import tsx bench/backends/worker.ts --backend libtorch --device "$device" --workloads "$1" --steps "$steps" --ae-batch "$2" --unet-batch "$3" >> "$out/bench.jsonl" 2>> "$out/bench.err"
}
bench ae 32 8
bench unet 32 8
if [ "$device" != cpu ]; then bench ae 256 8; bench unet 32 64; fi
node bench/gpu/ratios.mjs "$out/bench.jsonl" | tee "$out/ratios.md"
grep -q '"error"' "$out/bench.jsonl" && { say "a benchmark failed: see $out/bench.jsonl"; fail=1; }
say "done in $(( $(date +%s) - t0 )) s (device $device); logs in $out"
exit $fail
