#!/usr/bin/env bash
# Side-by-side DisDiff stage on Shapes3D (configs/shapes3d-dis.yaml + configs/scale/cpu-dis.yaml,
# STEPS steps) on one trained frozen LDM + VQ, one process at a time. Per seed: untangle's run; the
# PyTorch twin (disdiff-train.py) from the same initial weights on the same batches; then untangle's
# evaluator (disdiff-score.ts) on untangle's checkpoint, on the twin's (mapped back) and on the
# initial weights (the untrained floor).
#   bench/parity/disdiff-side-by-side.sh UPSTREAM DATA_DIR OUT_DIR "0 1 2" STEPS
# Needs finished shapes3d-vq and shapes3d-ldm runs in ./runs (the CPU experiment's first two stages):
#   npx untangle run --base configs/shapes3d-vq.yaml configs/scale/cpu-vq.yaml
#   npx untangle run --base configs/shapes3d-ldm.yaml configs/scale/cpu-ldm.yaml
# REPLAY=1 adds a second twin trained on untangle's own draws of each step (export-draws.ts; files
# replay-seedS.*, score-replay-seedS.json): it separates the luck of the draws from a real difference.
# DATA_DIR: npx tsx bench/parity/export-data.ts --out DATA_DIR --steps STEPS --seeds 0,1,2 --ordered --runs \
#   --base configs/shapes3d-dis.yaml configs/scale/cpu-dis.yaml
set -euo pipefail
UP=$1 DATA=$2 OUT=$3 SEEDS=$4 STEPS=$5
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
BASE="configs/shapes3d-dis.yaml configs/scale/cpu-dis.yaml"
# The frozen LDM both sides share, named once: `${run:shapes3d-ldm}` as untangle resolves it.
LDM=$(npx tsx -e "import { defaultResolvers } from './framework/trainer/resolvers.ts'; const r = defaultResolvers(process.cwd()).run(['shapes3d-ldm']); if (!r.ok) throw new Error(r.error); console.log(r.value)")
mkdir -p "$OUT"
echo "$LDM" > "$OUT/ldm_ckpt.txt"
for s in $SEEDS; do
  INIT=$OUT/init-seed$s
  [ -f "$INIT/weights.safetensors" ] || nice -n 5 npx tsx bench/parity/export-step.ts --out "$INIT" --batch 2 --runs \
    --base $BASE seed=$s model.params.ldm_ckpt="$LDM" > /dev/null
  if [ ! -f "$OUT/untangle-run-seed$s.txt" ]; then
    # Image grids and the run's own metrics off: the scores come from disdiff-score.ts for both sides
    # (neither changes the training: callbacks draw from their own RNG stream).
    t0=$(date +%s)
    nice -n 5 npx untangle run --base $BASE seed=$s model.params.ldm_ckpt="$LDM" trainer.max_steps=$STEPS \
      trainer.ckpt_every=$STEPS trainer.callbacks.image_logger.params.every=1000000 trainer.progress=lines \
      '~eval.metrics.factor_vae' '~eval.metrics.dci' '~eval.metrics.mig' > "$OUT/untangle-seed$s.log" 2>&1
    echo $(( $(date +%s) - t0 )) > "$OUT/untangle-wall-seed$s.txt"
    grep -o 'file:[^ ]*' "$OUT/untangle-seed$s.log" | head -1 | sed 's/^file://' > "$OUT/untangle-run-seed$s.txt"
  fi
  [ -f "$OUT/twin-seed$s.json" ] || nice -n 5 python3 bench/parity/disdiff-train.py train "$UP" "$DATA" $s $STEPS \
    "$OUT/twin-seed$s.json" "$INIT" > "$OUT/twin-seed$s.log" 2>&1
  score() { [ -f "$2" ] || nice -n 5 npx tsx bench/parity/disdiff-score.ts --ckpt "$1" --out "$2" --base $BASE seed=$s \
    model.params.ldm_ckpt="$LDM" > "${2%.json}.log" 2>&1; }
  score "$(cat "$OUT/untangle-run-seed$s.txt")/artifacts/checkpoints/last.safetensors" "$OUT/score-untangle-seed$s.json"
  score "$OUT/twin-seed$s.safetensors" "$OUT/score-twin-seed$s.json"
  score "$INIT/weights.safetensors" "$OUT/score-floor-seed$s.json"
  if [ "${REPLAY:-0}" = 1 ]; then
    [ -f "$OUT/draws-seed$s/eps.npy" ] || nice -n 5 npx tsx bench/parity/export-draws.ts --out "$OUT/draws-seed$s" --steps $STEPS \
      --base $BASE seed=$s model.params.ldm_ckpt="$LDM" > /dev/null
    [ -f "$OUT/replay-seed$s.json" ] || nice -n 5 python3 bench/parity/disdiff-train.py train "$UP" "$DATA" $s $STEPS \
      "$OUT/replay-seed$s.json" "$INIT" --replay "$OUT/draws-seed$s" > "$OUT/replay-seed$s.log" 2>&1
    score "$OUT/replay-seed$s.safetensors" "$OUT/score-replay-seed$s.json"
  fi
done
