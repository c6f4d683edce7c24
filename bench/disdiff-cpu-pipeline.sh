#!/usr/bin/env bash
# The three DisDiff stages at a drastically reduced "smoke" scale on the CPU preset (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
STORE=${STORE:-runs}
S=$(date +%s)
node bin/untangle.mjs run --base configs/shapes3d-vq.yaml configs/scale/cpu-vq.yaml tracking.uri=$STORE trainer.max_steps=${VQ_STEPS:-80} data.batch_size=8 trainer.progress=lines trainer.callbacks.image_logger.params.every=$(( ${VQ_STEPS:-80} / 2 ))
node bin/untangle.mjs run --base configs/shapes3d-ldm.yaml configs/scale/cpu-ldm.yaml tracking.uri=$STORE trainer.max_steps=${LDM_STEPS:-80} data.batch_size=8 trainer.progress=lines trainer.callbacks.image_logger.params.every=${LDM_STEPS:-80} "model.params.first_stage_ckpt=\${run:shapes3d-vq,$STORE}"
node bin/untangle.mjs run --base configs/shapes3d-dis.yaml configs/scale/cpu-dis.yaml tracking.uri=$STORE trainer.max_steps=${DIS_STEPS:-30} data.batch_size=4 trainer.progress=lines trainer.callbacks.image_logger.params.every=${DIS_STEPS:-30} "model.params.ldm_ckpt=\${run:shapes3d-ldm,$STORE}"
echo "wall $(( $(date +%s) - S )) s"
