import { describe, it, expect } from 'vitest';
import { composeConfig } from '../framework/config/compose.ts';
import { createRegistry } from '../registry.ts';
import { ConfigError } from '../framework/config/issues.ts';
import { pinResolvers } from './helpers/config-pins.ts';

const registry = createRegistry();
/**
 * Stand-ins for `${run:NAME}` and `${run_config:NAME,key}` so stage configs validate without
 * trained upstream runs: the upstream's recorded config is what its own config composes to (with
 * the CPU layers, what it composes to with its CPU layer).
 */
const cpuStages = Object.fromEntries(['vq', 'ldm'].map((s) => [`shapes3d-${s}`, [`configs/shapes3d-${s}.yaml`, `configs/scale/cpu-${s}.yaml`]]));
const compose = (files: string[], overrides: string[] = []) => composeConfig({ baseFiles: files, overrides, registry, resolvers: pinResolvers(registry, files.some((f) => f.includes('/scale/')) ? cpuStages : undefined) });
type Node = { target: string; params: Record<string, unknown> };

describe('DisDiff configs', () => {
  it('the Shapes3D stages validate, alone and with their CPU layers', () => {
    for (const st of ['vq', 'kl', 'ldm', 'dis']) compose([`configs/shapes3d-${st}.yaml`]);
    for (const st of ['vq', 'ldm', 'dis']) compose([`configs/shapes3d-${st}.yaml`, `configs/scale/cpu-${st}.yaml`]);
  });

  it('the MPI3D and Cars3D variants validate once given the data path, and need it', () => {
    for (const ds of ['mpi3d', 'cars3d']) for (const st of ['vq', 'ldm', 'dis']) {
      compose([`configs/${ds}-${st}.yaml`], ['data.train.params.path=/data/file.npz']);
      let msg = '';
      try { compose([`configs/${ds}-${st}.yaml`]); } catch (e) { msg = (e as ConfigError).format(); }
      expect(msg).toMatch(/data\.train\.params\.path: mandatory value/);
    }
    const mpi = compose(['configs/mpi3d-dis.yaml'], ['data.train.params.path=/d.npz']).config as Record<string, Node>;
    expect(mpi.loss.params.dis_weight).toBe(0.01);
  });

  it("mirror the paper's settings; dis_weight is the YAML's 0.05 (no CLI default overrides it)", () => {
    const dis = compose(['configs/shapes3d-dis.yaml']).config as Record<string, Node>;
    expect(dis.loss.params).toMatchObject({ dis_weight: 0.05, dis_loss_type: 'Z', loss_type: 'l1' });
    expect(dis.model.params).toMatchObject({ latent_unit: 6, repre_emb_channels: 32, orth_emb: true, ldm_ckpt: '/store/shapes3d-ldm/checkpoints/last.safetensors' });
    const ldm = compose(['configs/shapes3d-ldm.yaml']).config as Record<string, Node>;
    expect(ldm.model.params).toMatchObject({ timesteps: 1000, linear_start: 0.0015, linear_end: 0.0155, scale_by_std: true });
    expect((ldm.model.params.unet as Node).params).toMatchObject({ model_channels: 64, channel_mult: [1, 2, 4, 4], attention_resolutions: [1, 2, 4], num_res_blocks: 2, num_heads: 8 });
    const vq = compose(['configs/shapes3d-vq.yaml']).config as Record<string, Node>;
    expect(vq.model.params).toMatchObject({ embed_dim: 3, n_embed: 2048, ddconfig: { ch: 32, ch_mult: [1, 2, 4] } });
    expect(vq.loss.params).toMatchObject({ perceptual_weight: 0, beta: 0.25 });
    // The DisDiff stage's frozen LDM must equal the LDM stage's model.
    const { first_stage_ckpt: _a, ...ldmModel } = ldm.model.params;
    const { first_stage_ckpt: _b, ...disLdm } = (dis.model.params.ldm as Node).params;
    expect(disLdm).toEqual(ldmModel);
  });

  it('the CPU layers keep the three stages consistent with each other', () => {
    const ldm = compose(['configs/shapes3d-ldm.yaml', 'configs/scale/cpu-ldm.yaml']).config as Record<string, Node>;
    const vq = compose(['configs/shapes3d-vq.yaml', 'configs/scale/cpu-vq.yaml']).config as Record<string, Node>;
    const dis = compose(['configs/shapes3d-dis.yaml', 'configs/scale/cpu-dis.yaml']).config as Record<string, Node>;
    expect((ldm.model.params.first_stage as Node).params).toEqual(vq.model.params);
    const disLdm = (dis.model.params.ldm as Node).params;
    expect(disLdm.unet).toEqual(ldm.model.params.unet);
    expect(disLdm.first_stage).toEqual(ldm.model.params.first_stage);
  });
});
