#!/usr/bin/env bash
# V3's own code (Irislucent/variance-versus-invariance: its CSAE, vector_quantize_pytorch codebook
# and V3Loss, trained by bench/v3/upstream-train.py) beside untangle's CSAE, at the PhoneNums CPU
# preset's scale (widths from 32, d_emb 32, batch 8, 2000 pages, STEPS steps), on the same pages in
# the same order per seed, both scored by untangle's metric code (bench/v3/score-codes.ts for the
# upstream's codes; `untangle run`'s own evaluation for untangle's).
#   bench/v3/side-by-side.sh UPSTREAM OUT_DIR "0 1 2" [STEPS] [ARMS]
# ARMS (default all): upstream-preset upstream-control untangle-preset untangle-control untangle-fragment
#   *-control: the four V3 weights 0; untangle-fragment: the preset with the upstream's decoder
#   input (each fragment's own style code) instead of the page mean.
# Two invocations with different seeds or arms may run at once (one per core) once OUT/data exists.
# Table: python3 bench/v3/collect.py OUT_DIR
set -euo pipefail
UP=$1 OUT=$2 SEEDS=$3 STEPS=${4:-800}
ARMS=${5:-upstream-preset upstream-control untangle-preset untangle-control untangle-fragment}
export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
BASE="configs/phonenums-v3.yaml configs/scale/cpu-v3-phonenums.yaml"
CONTROL="loss.params.weights.content_loss=0 loss.params.weights.style_loss=0 loss.params.weights.sample_loss=0 loss.params.weights.fragment_loss=0"
mkdir -p "$OUT"
if [ ! -f "$OUT/data/train/meta.json" ]; then
  npx tsx bench/parity/export-data.ts --out "$OUT/data/train" --steps "$STEPS" --seeds "$(echo $SEEDS | tr ' ' ,)" --base $BASE
  npx tsx bench/parity/export-data.ts --out "$OUT/data/test" --steps 1 --seeds 0 --base $BASE \
    data.train.params.split=test data.train.params.size=200 data.shuffle=false
fi
for s in $SEEDS; do
  for arm in $ARMS; do
    res="$OUT/$arm-seed$s-steps$STEPS"
    [ -f "$res.json" ] && continue
    case $arm in
      upstream-*)
        w=1; [ "$arm" = upstream-control ] && w=0
        nice -n 5 python3 -W ignore bench/v3/upstream-train.py --upstream "$UP" --data "$OUT/data/train" --test "$OUT/data/test" \
          --seed "$s" --steps "$STEPS" --v3-weight $w --out "$res.npz" > "$res.log" 2>&1
        npx tsx bench/v3/score-codes.ts --codes "$res.npz" --pages "$OUT/data/test" --out "$res.json" --base $BASE >> "$res.log" 2>&1 ;;
      untangle-*)
        extra=""; [ "$arm" = untangle-control ] && extra=$CONTROL; [ "$arm" = untangle-fragment ] && extra=model.params.decoder_style=fragment
        nice -n 5 node bin/untangle.mjs run --base $BASE seed=$s trainer.max_steps=$STEPS name=v3-sbs-$arm-seed$s $extra \
          '~eval.metrics.tsne' '~eval.metrics.few_shot_ood' '~eval.metrics.zero_shot_ood' > "$res.log" 2>&1
        dir=$(grep -o 'file:[^ ]*' "$res.log" | head -1 | sed 's/^file://')
        python3 -c "import json,glob,sys; f=sorted(glob.glob(sys.argv[1]+'/artifacts/eval/step-*.json'))[-1]; json.dump({'run': sys.argv[1], 'scores': json.load(open(f))}, open(sys.argv[2],'w'), indent=1)" "$dir" "$res.json" ;;
      *) echo "unknown arm $arm" >&2; exit 2 ;;
    esac
  done
done
