/** The shape every libtorch kernel has; register.ts turns these into tfjs KernelConfigs. */
import type { NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { LibtorchBackend } from '../backend.ts';

export type LibtorchKernel = (inputs: NamedTensorInfoMap, backend: LibtorchBackend, attrs: NamedAttrMap) => TensorInfo | TensorInfo[];
export type KernelTable = Record<string, LibtorchKernel>;

/** Attribute readers: tfjs attrs are loosely typed, these narrow them with a clear failure. */
export function attrNum(attrs: NamedAttrMap, key: string, fallback?: number): number {
  const v = attrs[key];
  if (typeof v === 'number') return v;
  if (v === undefined || v === null) { if (fallback !== undefined) return fallback; }
  throw new TypeError(`attribute '${key}' must be a number, got ${String(v)}`);
}
export function attrBool(attrs: NamedAttrMap, key: string): boolean { return attrs[key] === true; }
export function attrStr(attrs: NamedAttrMap, key: string, fallback = ''): string {
  const v = attrs[key];
  return typeof v === 'string' ? v : fallback;
}
export function attrInts(attrs: NamedAttrMap, key: string): number[] {
  const v = attrs[key];
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return (v as unknown[]).flat(2).map((x) => Number(x));
  throw new TypeError(`attribute '${key}' must be a number list`);
}
export function attrPairs(attrs: NamedAttrMap, key: string): Array<[number, number]> {
  const v = attrs[key];
  if (!Array.isArray(v)) throw new TypeError(`attribute '${key}' must be a list of pairs`);
  return (v as unknown[]).map((p) => { const q = p as number[]; return [Number(q[0]), Number(q[1])]; });
}
export function input(inputs: NamedTensorInfoMap, key: string): TensorInfo {
  const t = inputs[key];
  if (!t) throw new TypeError(`missing input '${key}'`);
  return t;
}
export function inputList(inputs: NamedTensorInfoMap): TensorInfo[] {
  return Object.values(inputs).filter((t): t is TensorInfo => t !== undefined);
}
