#!/usr/bin/env bash
# Side-by-side β-VAE on dSprites (configs/dsprites-betavae.yaml, STEPS steps), one process at a
# time: per seed, untangle's run, 1Konny's BetaVAE_H from the same initial weights on the same
# batches, and untangle's checkpoint scored by the same MIG code.
#   bench/parity/betavae-side-by-side.sh UPSTREAM DATA_DIR OUT_DIR "0 1 2" STEPS
# DATA_DIR: npx tsx bench/parity/export-data.ts --out DATA_DIR --steps STEPS --seeds 0,1,2 --ordered \
#   --eval 10000 --base configs/dsprites-betavae.yaml
set -euo pipefail
UP=$1 DATA=$2 OUT=$3 SEEDS=$4 STEPS=$5
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
mkdir -p "$OUT"
for s in $SEEDS; do
  if [ ! -f "$OUT/untangle-run-seed$s.txt" ]; then
    nice -n 5 npx untangle run --base configs/dsprites-betavae.yaml seed=$s trainer.max_steps=$STEPS trainer.ckpt_every=$STEPS \
      '~eval.metrics.mig' '~eval.metrics.beta_vae' trainer.callbacks.image_logger.params.every=100000 > "$OUT/untangle-seed$s.log" 2>&1
    grep -o 'file:[^ ]*' "$OUT/untangle-seed$s.log" | head -1 | sed 's/^file://' > "$OUT/untangle-run-seed$s.txt"
  fi
  [ -f "$OUT/upstream-seed$s.json" ] || nice -n 5 python3 bench/parity/betavae-train.py train "$UP" "$DATA" $s $STEPS "$OUT/upstream-seed$s.json" > "$OUT/upstream-seed$s.log" 2>&1
  [ -f "$OUT/untangle-seed$s.json" ] || nice -n 5 python3 bench/parity/betavae-train.py score "$UP" "$DATA" \
    "$(cat "$OUT/untangle-run-seed$s.txt")/artifacts/checkpoints/last.safetensors" "$OUT/untangle-seed$s.json" > "$OUT/score-seed$s.log" 2>&1
done
