#!/usr/bin/env bash
# Side-by-side DSVAE on Sprites at the CPU preset (batch 16, lr 2e-3; 700 steps unless STEPS), one
# process at a time: for each seed, untangle's run, then the PyTorch twin from the same initial
# weights on the same batches, then untangle's checkpoint scored by the twin's metric code.
#   bench/parity/dsvae-side-by-side.sh UPSTREAM DATA_DIR OUT_DIR "0 1 2" [STEPS]
# DATA_DIR: npx tsx bench/parity/export-data.ts --out DATA_DIR --steps STEPS --seeds 0,1,2 --base \
#   configs/sprites-dsvae.yaml configs/scale/cpu-sprites-dsvae.yaml
set -euo pipefail
UP=$1 DATA=$2 OUT=$3 SEEDS=$4 STEPS=${5:-700}
export PARITY_STEPS=$STEPS
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
mkdir -p "$OUT"
for s in $SEEDS; do
  if [ ! -f "$OUT/untangle-run-seed$s.txt" ]; then
    nice -n 5 npx untangle run --base configs/sprites-dsvae.yaml configs/scale/cpu-sprites-dsvae.yaml seed=$s trainer.max_steps=$STEPS trainer.ckpt_every=$STEPS \
      '~eval.metrics.swap' trainer.callbacks.images.params.every=100000 > "$OUT/untangle-seed$s.log" 2>&1
    grep -o 'file:[^ ]*' "$OUT/untangle-seed$s.log" | head -1 | sed 's/^file://' > "$OUT/untangle-run-seed$s.txt"
  fi
  [ -f "$OUT/twin-seed$s.json" ] || nice -n 5 python3 bench/parity/dsvae-train.py train "$UP" "$DATA" $s "$OUT/twin-seed$s.json" > "$OUT/twin-seed$s.log" 2>&1
  [ -f "$OUT/untangle-seed$s.json" ] || nice -n 5 python3 bench/parity/dsvae-train.py score "$UP" "$DATA" \
    "$(cat "$OUT/untangle-run-seed$s.txt")/artifacts/checkpoints/last.safetensors" "$OUT/untangle-seed$s.json" > "$OUT/score-seed$s.log" 2>&1
done
