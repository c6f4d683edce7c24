import { existsSync } from 'node:fs';
import { defineComponent } from '../../../framework/registry/types.ts';
import type { MetricScores, ModelMetric, ModelMetricContext } from '../../../framework/contracts/index.ts';
import { UntangleError } from '../../../framework/util/errors.ts';

export interface FaceSwapHookParams {
  /** A user-provided 68-point face-landmark network (the paper's AKD: `face_alignment`'s FAN). */
  landmark_model: string;
  /** A user-provided face-identity network (the paper's AED: DeepFace VGG-Face). */
  identity_model: string;
}

/**
 * The hook for DiffSDA's face protocols (paper Tables 3–4: AKD from 68 landmarks, AED from a
 * face-identity embedding). Both need pretrained networks that untangle never downloads, so
 * this metric names the user's files and fails clearly when one is absent. It is a HOOK, not the
 * metric: loading those networks (PyTorch / Keras weights) into untangle is not implemented, and a
 * present file raises `metric.face_swap.unsupported` rather than a number. On procedural Sprites,
 * untangle.metrics.SwapAccuracy with the Sprites judge stands in for both.
 */
export class FaceSwapHook implements ModelMetric {
  constructor(readonly p: FaceSwapHookParams) {}

  async evaluate(_ctx: ModelMetricContext): Promise<MetricScores> {
    for (const [key, path] of Object.entries({ landmark_model: this.p.landmark_model, identity_model: this.p.identity_model })) {
      if (!existsSync(path)) {
        throw new UntangleError('metric.face_swap.missing_model', `${key} names ${path}, which does not exist`, { key, path },
          'the face protocols need networks you download yourself (face_alignment FAN for AKD, DeepFace VGG-Face for AED); untangle never downloads; on Sprites use untangle.metrics.SwapAccuracy');
      }
    }
    throw new UntangleError('metric.face_swap.unsupported', 'loading face-landmark / face-identity networks is not implemented in untangle yet; the files were found but cannot be run',
      { landmark_model: this.p.landmark_model, identity_model: this.p.identity_model },
      'compute AKD/AED outside untangle on the swap grids this run logs (eval/swap/*.png)');
  }
}

export const faceSwapHookSpec = defineComponent<FaceSwapHookParams, FaceSwapHook>({
  target: 'untangle.metrics.FaceSwapHook',
  kind: 'metric',
  description: "Hook for DiffSDA's AKD/AED face protocols: names user-provided landmark/identity networks; errors clearly if absent (evaluation itself not implemented)",
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['landmark_model', 'identity_model'],
    properties: {
      landmark_model: { type: 'string', description: 'path to a user-provided 68-landmark network file' },
      identity_model: { type: 'string', description: 'path to a user-provided face-identity network file' },
    },
  },
  create: (p) => new FaceSwapHook(p),
});
