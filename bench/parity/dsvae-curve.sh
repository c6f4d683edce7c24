#!/usr/bin/env bash
# DSVAE scaling curve on Sprites (one seed): both sides at each budget in BUDGETS (steps), from the
# same initial weights on the same batches. The learning rate is constant after the KL warm-up, so
# one long run gives every budget: the twin probes itself at each (PARITY_PROBE_AT), and untangle
# forks its run at each budget (`--resume RUN --fork trainer.max_steps=K`: batches and noise are
# functions of seed and step, so the fork is the K-step run) and each fork's checkpoint is scored
# by the twin's metric code. One process at a time.
#   bench/parity/dsvae-curve.sh UPSTREAM DATA_DIR OUT_DIR SEED "700 2800 11200" [twin|untangle|both]
# DATA_DIR: export-data.ts --steps (the largest budget) as in dsvae-side-by-side.sh.
set -euo pipefail
UP=$1 DATA=$2 OUT=$3 SEED=$4 BUDGETS=$5 SIDES=${6:-both}
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
mkdir -p "$OUT"
LAST=$(echo $BUDGETS | tr ' ' '\n' | sort -n | tail -1)
if [ "$SIDES" != untangle ] && [ ! -f "$OUT/twin-seed$SEED.json" ]; then
  PARITY_STEPS=$LAST PARITY_PROBE_AT=$(echo $BUDGETS | tr ' ' ',') nice -n 5 python3 bench/parity/dsvae-train.py \
    train "$UP" "$DATA" $SEED "$OUT/twin-seed$SEED.json" > "$OUT/twin-seed$SEED.log" 2>&1
fi
[ "$SIDES" = twin ] && exit 0
prev=
for k in $(echo $BUDGETS | tr ' ' '\n' | sort -n); do
  if [ ! -f "$OUT/untangle-run-seed$SEED-$k.txt" ]; then
    if [ -z "$prev" ]; then
      nice -n 5 npx untangle run --base configs/sprites-dsvae.yaml configs/scale/cpu-sprites-dsvae.yaml seed=$SEED \
        trainer.max_steps=$k trainer.ckpt_every=700 '~eval.metrics.swap' trainer.callbacks.images.params.every=100000 \
        > "$OUT/untangle-seed$SEED-$k.log" 2>&1
    else
      nice -n 5 npx untangle run --resume "$(basename "$(cat "$OUT/untangle-run-seed$SEED-$prev.txt")")" --fork \
        trainer.max_steps=$k > "$OUT/untangle-seed$SEED-$k.log" 2>&1
    fi
    grep -o 'file:[^ ]*' "$OUT/untangle-seed$SEED-$k.log" | head -1 | sed 's/^file://' > "$OUT/untangle-run-seed$SEED-$k.txt"
  fi
  [ -f "$OUT/untangle-seed$SEED-$k.json" ] || nice -n 5 python3 bench/parity/dsvae-train.py score "$UP" "$DATA" \
    "$(cat "$OUT/untangle-run-seed$SEED-$k.txt")/artifacts/checkpoints/last.safetensors" "$OUT/untangle-seed$SEED-$k.json" \
    > "$OUT/score-seed$SEED-$k.log" 2>&1
  prev=$k
done
