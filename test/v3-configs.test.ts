// The V3 configs carry their evaluation: `untangle run` itself produces the retrieval table, the
// codebook confusion matrix, the t-SNE pictures and the OOD accuracies. These check the wiring
// (what each metric is given), not the numbers.
import { describe, expect, it } from 'vitest';
import { composeConfig } from '../framework/config/compose.ts';
import { createRegistry } from '../registry.ts';

type Node = { target?: string; params?: Record<string, unknown> } & Record<string, unknown>;
const registry = createRegistry();
const compose = (base: string[], overrides: string[] = []) => composeConfig({ baseFiles: base, overrides, registry }).config as Record<string, Node>;
const metrics = (c: Record<string, Node>) => (c.eval as { metrics: Record<string, Node> }).metrics;
const params = (n: unknown) => (n as Node).params as Record<string, unknown>;

describe('V3 configs: evaluation as metric components', () => {
  it('PhoneNums (CPU preset): retrieval in both protocols, codebook, neighbour breakdown, t-SNE, zero- and few-shot OOD on the unseen palette', () => {
    const c = compose(['configs/phonenums-v3.yaml', 'configs/scale/cpu-v3-phonenums.yaml']);
    const m = metrics(c);
    expect(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v.target]))).toEqual({
      retrieval: 'untangle.metrics.ContentStyleRetrieval', codebook: 'untangle.metrics.ContentStyleCodebook', tsne: 'untangle.metrics.ContentStyleTSNE',
      neighbours: 'untangle.metrics.ContentStyleNeighbours', zero_shot_ood: 'untangle.metrics.ZeroShotOOD', few_shot_ood: 'untangle.metrics.FewShotOOD',
    });
    expect(params(m.retrieval).protocols).toEqual(['v2025', 'v2026']);
    expect(params(m.retrieval).report_k).toContain(1);
    const evalData = params((c.eval as Node).dataset);
    expect(evalData).toMatchObject({ split: 'test', size: 200, n_fragments: 10, palette: 'in' });
    expect(params(params(m.zero_shot_ood).ood_dataset)).toMatchObject({ split: 'test', palette: 'ood', n_fragments: 10 });
    const shots = params(m.few_shot_ood).shot_datasets as Record<string, Node>;
    expect(Object.fromEntries(Object.entries(shots).map(([k, d]) => [k, [params(d).split, params(d).shots, params(d).palette]]))).toEqual({ 1: ['shot', 1, 'ood'], 5: ['shot', 5, 'ood'], 10: ['shot', 10, 'ood'] });
    // few-shot fine-tuning uses the run's own loss
    expect(params(m.few_shot_ood).loss).toEqual(c.loss);
    expect(params(m.tsne).max_points).toBe(500);
  });

  it('the control and floor arms are overrides of the same preset', () => {
    const base = ['configs/phonenums-v3.yaml', 'configs/scale/cpu-v3-phonenums.yaml'];
    const control = compose(base, ['loss.params.weights.content_loss=0', 'loss.params.weights.style_loss=0', 'loss.params.weights.sample_loss=0', 'loss.params.weights.fragment_loss=0']);
    expect(params(control.loss).weights).toEqual({ recon_loss: 1, content_loss: 0, style_loss: 0, sample_loss: 0, fragment_loss: 0, commit_loss: 0.1 });
    // the few-shot loss follows the run's loss
    expect(params(metrics(control).few_shot_ood).loss).toEqual(control.loss);
    expect((compose(base, ['trainer.max_steps=0']).trainer as Record<string, unknown>).max_steps).toBe(0);
  });

  it('InsNotes (CPU preset): the 6-fragment layer reaches the training, evaluation and OOD data; OOD labels start at 12', () => {
    const c = compose(['configs/insnotes-v3.yaml', 'configs/scale/cpu-v3-insnotes.yaml']);
    expect(params(c.model).n_fragments).toBe(6);
    expect(params((c.data as Node).train).n_fragments).toBe(6);
    expect(params((c.eval as Node).dataset).n_fragments).toBe(6);
    const ood = params(params(metrics(c).zero_shot_ood).ood_dataset);
    expect(ood).toMatchObject({ instruments: [0, 4, 73, 78], label_offset: 12, n_fragments: 6 });
    expect(params(metrics(c).codebook).n_classes).toBe(12);
  });

  it('Sprites: retrieval, codebook and t-SNE on V3Sprites', () => {
    const m = metrics(compose(['configs/sprites-v3.yaml', 'configs/scale/cpu-v3-sprites.yaml']));
    expect(Object.keys(m).sort()).toEqual(['codebook', 'retrieval', 'tsne']);
    expect(params(m.codebook).n_classes).toBe(9);
  });
});
