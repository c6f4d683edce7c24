#!/bin/bash
# Interleaved before/after benchmark for a shared machine: each round runs PyTorch, then the
# untangle worker from BEFORE_DIR (another checkout with its own built addon), then this checkout's,
# so all three see similar load; prints per-round ratios to PyTorch and their medians.
# Usage: bench/backends/interleave.sh BEFORE_DIR [ROUNDS=5] [WORKLOADS=ae,lstm,gru,unet]
# (BEFORE_DIR e.g. from: git worktree add /tmp/before <rev>; link node_modules; build its addon.)
set -euo pipefail
before=$(cd "$1" && pwd); rounds=${2:-5}; work=${3:-ae,lstm,gru,unet}
here=$(cd "$(dirname "$0")/../.." && pwd)
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
out=$(mktemp)
for r in $(seq 1 "$rounds"); do
  (cd "$here" && python3 bench/backends/torch_ref.py --workloads "$work" --steps 10 | sed "s/^/$r pytorch /")
  (cd "$before" && node --import tsx bench/backends/worker.ts --backend libtorch --workloads "$work" --steps 10 2>/dev/null | sed "s/^/$r before /")
  (cd "$here" && node --import tsx bench/backends/worker.ts --backend libtorch --workloads "$work" --steps 10 2>/dev/null | sed "s/^/$r after /")
done >> "$out"
python3 - "$out" <<'PY'
import json, statistics, sys, collections
ms = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    r, who, js = line.split(' ', 2)
    if js.startswith('{'):
        d = json.loads(js); ms[(r, d['workload'])][who] = d.get('trainMs')
for w in sorted({w for _, w in ms}):
    rs = [d for (r, ww), d in ms.items() if ww == w and all(d.get(k) for k in ('pytorch', 'before', 'after'))]
    for d in rs: print(f"{w:5} torch {d['pytorch']:7.1f}  before {d['before']:7.1f} ({d['before']/d['pytorch']:.2f}x)  after {d['after']:7.1f} ({d['after']/d['pytorch']:.2f}x)")
    if rs: print(f"{w:5} median ratio over {len(rs)} rounds: before {statistics.median(d['before']/d['pytorch'] for d in rs):.2f}x  after {statistics.median(d['after']/d['pytorch'] for d in rs):.2f}x")
PY
rm -f "$out"
