/**
 * LibtorchBackend: a tfjs KernelBackend whose tensor data lives in libtorch. Each tfjs dataId
 * maps to a handle in the addon's tensor table; disposeData frees the libtorch tensor at once.
 * Kernels (kernels/*.ts) call the addon with handles and wrap the result with `out()`, which reads
 * the result's dtype and shape from a buffer the addon writes after every call.
 */
import { DataStorage, KernelBackend, engine, util } from '@tensorflow/tfjs-core';
import type { BackendTimingInfo, BackendValues, DataId, DataType, TensorInfo } from '@tensorflow/tfjs-core';
import { LibtorchError } from './errors.ts';
import { DTYPE_CODES, DTYPE_NAMES, type NativeDType, type NativeTorch } from './addon.ts';

interface TensorData {
  /** Handle in the addon's table; -1 for string tensors, which stay in JS. */
  handle: number;
  dtype: DataType;
  refCount: number;
  strings?: Uint8Array[];
}

const MAX_RANK = 16;

export class LibtorchBackend extends KernelBackend {
  readonly native: NativeTorch;
  readonly data: DataStorage<TensorData>;
  private readonly result = new Int32Array(MAX_RANK + 2);
  private nextId = 0;
  private readonly unaryCodes = new Map<string, number>();
  private readonly binaryCodes = new Map<string, number>();
  readonly torchVersion: string;

  constructor(native: NativeTorch, threads: number) {
    super();
    this.native = native;
    this.data = new DataStorage<TensorData>(this, engine());
    this.torchVersion = native.init(this.result, threads).torch;
    native.unaryOps.forEach((n, i) => this.unaryCodes.set(n, i));
    native.binaryOps.forEach((n, i) => this.binaryCodes.set(n, i));
  }

  // ---- data ---------------------------------------------------------------------------------

  private newId(): DataId { return { id: this.nextId++ }; }

  private upload(values: BackendValues | null, shape: number[], dtype: DataType): TensorData {
    if (dtype === 'string') return { handle: -1, dtype, refCount: 1, strings: (values ?? []) as Uint8Array[] };
    const code = dtypeCode(dtype);
    const size = util.sizeFromShape(shape);
    let typed = values as Float32Array | Int32Array | Uint8Array | null;
    if (typed === null) typed = dtype === 'float32' ? new Float32Array(size) : dtype === 'int32' ? new Int32Array(size) : new Uint8Array(size);
    const handle = this.native.fromArray(typed, shape, code);
    return { handle, dtype, refCount: 1 };
  }

  override write(values: BackendValues, shape: number[], dtype: DataType): DataId {
    const dataId = this.newId();
    this.data.set(dataId, this.upload(values, shape, dtype));
    return dataId;
  }

  override move(dataId: DataId, values: BackendValues, shape: number[], dtype: DataType, refCount: number): void {
    const d = this.upload(values, shape, dtype);
    d.refCount = refCount;
    this.data.set(dataId, d);
  }

  makeTensorInfo(shape: number[], dtype: DataType, values?: BackendValues): TensorInfo {
    return { dataId: this.write(values ?? (null as unknown as BackendValues), shape, dtype), shape, dtype };
  }

  override readSync(dataId: DataId): BackendValues {
    const d = this.data.get(dataId);
    if (d.strings) return d.strings;
    return this.native.toArray(d.handle);
  }

  override async read(dataId: DataId): Promise<BackendValues> { return this.readSync(dataId); }

  override disposeData(dataId: DataId, force = false): boolean {
    if (!this.data.has(dataId)) return true;
    const d = this.data.get(dataId);
    d.refCount--;
    if (!force && d.refCount > 0) return false;
    if (d.handle >= 0) this.native.free(d.handle);
    this.data.delete(dataId);
    return true;
  }

  override refCount(dataId: DataId): number { return this.data.has(dataId) ? this.data.get(dataId).refCount : 0; }
  override incRef(dataId: DataId): void { this.data.get(dataId).refCount++; }
  override numDataIds(): number { return this.data.numDataIds(); }

  override memory(): { unreliable: boolean; reasons?: string[]; numBytesInLibtorch: number; numTensorsInLibtorch: number } {
    const m = this.native.memory();
    return { unreliable: false, numBytesInLibtorch: m.bytes, numTensorsInLibtorch: m.tensors };
  }

  override timerAvailable(): boolean { return true; }
  override async time(f: () => void): Promise<BackendTimingInfo> {
    const t0 = performance.now();
    f();
    return { kernelMs: performance.now() - t0 };
  }
  override floatPrecision(): 32 { return 32; }
  override epsilon(): number { return 1e-7; }
  override dispose(): void {
    // Tensors are freed through disposeData; nothing else holds native memory.
  }

  // ---- helpers for kernels ------------------------------------------------------------------

  /** The libtorch handle behind a tensor. */
  h(t: TensorInfo): number {
    const d = this.data.get(t.dataId);
    if (d.handle < 0) throw new LibtorchError('LIBTORCH_DTYPE', `the libtorch backend has no kernels for ${d.dtype} tensors`, { dtype: d.dtype }, 'use runtime.backend: wasm or cpu');
    return d.handle;
  }

  /** Wraps the handle the addon just returned (its dtype and shape are in the result buffer). */
  out(handle: number): TensorInfo {
    const r = this.result;
    const dtype = DTYPE_NAMES[r[0]] as NativeDType;
    const shape = Array.from(r.subarray(2, 2 + r[1]));
    const dataId = this.newId();
    this.data.set(dataId, { handle, dtype, refCount: 1 });
    return { dataId, shape, dtype };
  }

  /** Wraps handles returned as a list (multi-output ops), asking the addon for each shape. */
  outMany(handles: number[]): TensorInfo[] {
    return handles.map((h) => { this.native.shapeOf(h); return this.out(h); });
  }

  /** Shares a tensor's data (Identity, same-dtype Cast): tfjs reference counting, no copy. */
  share(t: TensorInfo): TensorInfo {
    this.incRef(t.dataId);
    return { dataId: t.dataId, shape: t.shape, dtype: t.dtype };
  }

  unaryCode(name: string): number { return opCode(this.unaryCodes, name, 'unary'); }
  binaryCode(name: string): number { return opCode(this.binaryCodes, name, 'binary'); }
}

function opCode(codes: Map<string, number>, name: string, kind: string): number {
  const c = codes.get(name);
  if (c === undefined) throw new LibtorchError('LIBTORCH_ADDON_STALE', `the libtorch addon has no ${kind} op '${name}'`, { op: name }, 'rebuild it: node node_modules/@untangle/tfjs-backend-libtorch/build.mjs --force (npm run build -w @untangle/tfjs-backend-libtorch)');
  return c;
}

export function dtypeCode(dtype: DataType): number {
  if (dtype === 'float32' || dtype === 'int32' || dtype === 'bool') return DTYPE_CODES[dtype];
  throw new LibtorchError('LIBTORCH_DTYPE', `the libtorch backend does not support ${dtype} tensors`, { dtype }, 'use runtime.backend: wasm or cpu for this model');
}
