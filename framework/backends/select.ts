/**
 * Picks and initialises the tensor backend for a run (`runtime.backend`, `runtime.device`).
 *
 * `auto` takes the first engine that loads, fastest first (docs/backend-notes.md has the
 * measurements): tfjs-node(-gpu) ('tensorflow', an optional install that needs libtensorflow),
 * then the libtorch addon (@untangle/tfjs-backend-libtorch), then tfjs-wasm with untangle's
 * training kernels, then the pure-JS cpu backend (a last resort). An explicitly requested backend
 * that does not load is an error, never a silent fallback: a run must train on the engine its
 * config names. `runtime.device` (cpu | cuda | cuda:N | auto) places the tensors; only libtorch
 * runs on a GPU, so a cuda device narrows `auto` to libtorch and is an error with any other.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UntangleError } from '../util/errors.ts';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS_VERSION } from './wasm/index.ts';
import './tfjs-gradients.ts'; // tfjs-core's Node entry registers no gradients: every backend needs them

export type BackendRequest = 'auto' | 'tensorflow' | 'libtorch' | 'wasm' | 'cpu';
export type BackendName = Exclude<BackendRequest, 'auto'>;
/** The order `auto` tries them in. */
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow', 'libtorch', 'wasm', 'cpu'];

export interface BackendChoice {
  name: string;
  reason: string;
  versions: Record<string, string>;
  tried: { name: string; ok: boolean; reason: string }[];
}

export interface BackendLoadResult {
  ok: boolean;
  reason: string;
  versions: Record<string, string>;
}

export interface BackendLoadOptions {
  threads?: number;
  /** cpu | cuda | cuda:N | auto; only the libtorch loader reads it (the others run on the CPU). */
  device?: string;
  deterministic?: boolean;
}

/** Loads one backend and makes it tfjs's active backend where it is a tfjs backend. */
export type BackendLoader = (opts: BackendLoadOptions) => Promise<BackendLoadResult>;

export interface SelectBackendOptions extends BackendLoadOptions {
  log?: (line: string) => void;
  /** Replace individual loaders (tests use this to simulate a missing engine). */
  loaders?: Partial<Record<BackendName, BackendLoader>>;
}

const HINTS: Record<BackendName, string> = {
  tensorflow:
    'install @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu 4.22.0 (its installer downloads libtensorflow, ' +
    'so it needs network access), or set runtime.backend to auto, libtorch or wasm',
  libtorch: 'build the libtorch addon (npm run build -w @untangle/tfjs-backend-libtorch; see packages/tfjs-backend-libtorch/README.md), or set runtime.backend to auto or wasm',
  wasm: 'reinstall @tensorflow/tfjs-backend-wasm 4.22.0 (npm ci); its dist/*.wasm files must be present',
  cpu: 'reinstall @tensorflow/tfjs-backend-cpu 4.22.0 (npm ci)',
};

const LOADERS: Record<BackendName, BackendLoader> = {
  tensorflow: loadTensorflow,
  libtorch: loadLibtorch,
  wasm: loadWasm,
  cpu: loadCpu,
};

let current: BackendChoice | undefined;

export async function selectBackend(requested: BackendRequest, opts: SelectBackendOptions = {}): Promise<BackendChoice> {
  const known: readonly string[] = ['auto', ...BACKEND_ORDER];
  if (!known.includes(requested)) {
    throw new UntangleError(
      'backend_unknown',
      `unknown backend '${String(requested)}'`,
      { requested, allowed: known.join(' | ') },
      `set runtime.backend to one of ${known.join(', ')}`,
    );
  }
  const device = opts.device ?? 'auto';
  if (!/^(auto|cpu|cuda|cuda:\d+)$/.test(device)) {
    throw new UntangleError('device_unknown', `unknown device '${device}'`, { device, allowed: 'cpu | cuda | cuda:N | auto' }, 'set runtime.device to cpu, cuda, cuda:N or auto');
  }
  const onGpu = device.startsWith('cuda');
  if (onGpu && requested !== 'auto' && requested !== 'libtorch') {
    throw new UntangleError('device_unsupported', `runtime.device ${device} needs the libtorch backend; '${requested}' runs on the CPU only`,
      { backend: requested, device }, 'set runtime.backend to libtorch (or auto), or runtime.device to cpu');
  }
  const candidates: readonly BackendName[] = onGpu ? ['libtorch'] : requested === 'auto' ? BACKEND_ORDER : [requested];
  const tried: BackendChoice['tried'] = [];
  for (const name of candidates) {
    const result = await attempt(name, opts);
    tried.push({ name, ok: result.ok, reason: result.reason });
    if (!result.ok) continue;
    const skipped = tried.filter((t) => !t.ok).map((t) => `${t.name}: ${t.reason}`);
    const reason =
      requested === 'auto'
        ? `auto: first backend that loaded (${result.reason})${skipped.length ? `; skipped ${skipped.join('; ')}` : ''}`
        : `requested explicitly (${result.reason})`;
    current = { name, reason, versions: { backend: name, device: 'cpu', ...result.versions }, tried };
    opts.log?.(`backend: ${name} — ${reason}`);
    return current;
  }
  if (onGpu) {
    const why = tried[0]?.reason ?? 'unknown';
    throw new UntangleError('device_unavailable', `runtime.device ${device} cannot be used: ${why}`, { device, backend: 'libtorch' },
      'run on a machine with an NVIDIA GPU and a CUDA libtorch (pip install a CUDA torch, then npm run build -w @untangle/tfjs-backend-libtorch), or set runtime.device to cpu or auto');
  }
  if (requested !== 'auto') {
    const why = tried[0]?.reason ?? 'unknown';
    throw new UntangleError(
      'backend_unavailable',
      `backend '${requested}' could not be loaded: ${why}`,
      { requested, reason: why },
      HINTS[requested],
    );
  }
  throw new UntangleError(
    'backend_unavailable',
    'no backend could be loaded',
    { tried: tried.map((t) => `${t.name}: ${t.reason}`).join('; ') },
    'run npm ci so @tensorflow/tfjs-backend-wasm and @tensorflow/tfjs-backend-cpu are installed',
  );
}

/** The backend chosen last in this process, if any. */
export function currentBackend(): BackendChoice | undefined {
  return current;
}

/** Versions for the run fingerprint: the chosen backend's, or just tfjs-core before any choice. */
export function backendVersions(): Record<string, string> {
  return current ? { ...current.versions } : { 'tfjs-core': tf.version_core, node: process.versions.node };
}

async function attempt(name: BackendName, opts: SelectBackendOptions): Promise<BackendLoadResult> {
  const loader = opts.loaders?.[name] ?? LOADERS[name];
  try {
    return await loader({ threads: opts.threads, device: opts.device, deterministic: opts.deterministic });
  } catch (e) {
    return { ok: false, reason: `failed to load: ${messageOf(e)}`, versions: {} };
  }
}

// ---------------------------------------------------------------------------------------------
// Loaders

const require = createRequire(import.meta.url);

function messageOf(e: unknown): string {
  if (e instanceof UntangleError) return e.message;
  if (e instanceof Error) return e.message.split('\n')[0];
  return String(e);
}

function isModuleNotFound(e: unknown, specifier: string): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  const notFound = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (package|module)|Failed to load url/.test(e.message);
  return notFound && e.message.includes(specifier);
}

/** The installed version of a package, read from its package.json (no import needed). */
export function packageVersion(pkg: string): string | undefined {
  try {
    const main = require.resolve(pkg);
    for (let dir = dirname(main); dir !== dirname(dir); dir = dirname(dir)) {
      const file = join(dir, 'package.json');
      if (!existsSync(file)) continue;
      const json: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (json && typeof json === 'object' && (json as { name?: unknown }).name === pkg) {
        const v = (json as { version?: unknown }).version;
        return typeof v === 'string' ? v : undefined;
      }
    }
  } catch {
    // not installed
  }
  return undefined;
}

function coreVersions(): Record<string, string> {
  return { 'tfjs-core': tf.version_core, node: process.versions.node };
}

async function activate(name: string): Promise<boolean> {
  if (!tf.findBackendFactory(name)) return false;
  return tf.setBackend(name);
}

/** tfjs-node(-gpu): optional, never a dependency (its install downloads libtensorflow). */
async function loadTensorflow(): Promise<BackendLoadResult> {
  const notes: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      const spec: string = pkg; // a plain string: these packages are optional and have no types here
      await import(spec);
    } catch (e) {
      notes.push(isModuleNotFound(e, pkg) ? `${pkg} is not installed` : `${pkg} failed to load: ${messageOf(e)}`);
      continue;
    }
    if (!tf.findBackendFactory('tensorflow')) {
      notes.push(`${pkg} loaded but registered no 'tensorflow' backend with this @tensorflow/tfjs-core ${tf.version_core} (a second tfjs-core copy?)`);
      continue;
    }
    if (!(await activate('tensorflow'))) {
      notes.push(`${pkg}: the 'tensorflow' backend failed to initialise`);
      continue;
    }
    return { ok: true, reason: `${pkg} loaded`, versions: { ...coreVersions(), [pkg.replace('@tensorflow/', '')]: packageVersion(pkg) ?? 'unknown' } };
  }
  return { ok: false, reason: notes.join('; '), versions: {} };
}

/** The libtorch N-API engine: the workspace package @untangle/tfjs-backend-libtorch. */
async function loadLibtorch(opts: BackendLoadOptions): Promise<BackendLoadResult> {
  const pkg = '@untangle/tfjs-backend-libtorch';
  let mod: unknown;
  try {
    mod = await import(pkg);
  } catch (e) {
    return { ok: false, reason: isModuleNotFound(e, pkg) ? `${pkg} is not installed (npm install)` : `${pkg} failed to load: ${messageOf(e)}`, versions: {} };
  }
  const register = (mod as { registerLibtorch?: unknown }).registerLibtorch;
  if (typeof register !== 'function') return { ok: false, reason: `${pkg} exports no registerLibtorch()`, versions: {} };
  const result: unknown = await register({ threads: opts.threads, device: opts.device ?? 'auto', deterministic: opts.deterministic });
  if (!isLoadResult(result)) {
    return { ok: false, reason: 'registerLibtorch() returned something other than {ok, reason, versions}', versions: {} };
  }
  if (!result.ok) return { ok: false, reason: result.reason, versions: {} };
  if (tf.findBackendFactory('libtorch') && !(await activate('libtorch'))) {
    return { ok: false, reason: "the 'libtorch' tfjs backend failed to initialise", versions: {} };
  }
  return { ok: true, reason: result.reason, versions: { ...coreVersions(), ...result.versions } };
}

function isLoadResult(v: unknown): v is BackendLoadResult {
  if (!v || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  if (typeof r.ok !== 'boolean' || typeof r.reason !== 'string') return false;
  const versions = r.versions;
  return !!versions && typeof versions === 'object' && Object.values(versions).every((x) => typeof x === 'string');
}

/**
 * tfjs-wasm, SIMD, single thread (the threaded build measured no faster under Node), with
 * untangle's training kernels. The binaries are read from the package's own dist/ folder so
 * nothing is ever fetched.
 */
async function loadWasm(opts: { threads?: number }): Promise<BackendLoadResult> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const distDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  const simdFile = join(distDir, 'tfjs-backend-wasm-simd.wasm');
  if (!existsSync(simdFile)) return { ok: false, reason: `${simdFile} is missing`, versions: {} };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  wasm.setWasmPaths(`${distDir}/`); // a file path prefix: Node reads it with fs, nothing is fetched
  registerWasmTrainingKernels();
  const activated = await withoutNewProcessHandlers(() => activate('wasm'));
  if (!activated) {
    return { ok: false, reason: `the wasm module in ${distDir} failed to initialise`, versions: {} };
  }
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const notes = [simd ? 'SIMD' : 'no SIMD (plain build)', '1 thread'];
  if (opts.threads !== undefined && opts.threads > 1) notes.push(`threads=${opts.threads} ignored`);
  return {
    ok: true,
    reason: `tfjs-backend-wasm ${wasm.version_wasm}, ${notes.join(', ')}, untangle training kernels`,
    versions: {
      ...coreVersions(),
      'tfjs-backend-wasm': wasm.version_wasm,
      'wasm.simd': String(simd),
      'wasm.threads': String(wasm.getThreadsCount()),
      'wasm.kernels': WASM_TRAINING_KERNELS_VERSION,
    },
  };
}

/**
 * The emscripten glue of tfjs-wasm installs process-wide `uncaughtException` / `unhandledRejection`
 * handlers that rethrow, so any later crash prints the whole minified wasm glue file instead of the
 * error. Remove exactly the handlers added while `fn` ran; the CLI reports errors itself.
 */
async function withoutNewProcessHandlers<T>(fn: () => Promise<T>): Promise<T> {
  const before = {
    exception: new Set(process.listeners('uncaughtException')),
    rejection: new Set(process.listeners('unhandledRejection')),
  };
  try {
    return await fn();
  } finally {
    for (const l of process.listeners('uncaughtException')) if (!before.exception.has(l)) process.removeListener('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection')) if (!before.rejection.has(l)) process.removeListener('unhandledRejection', l);
  }
}

async function loadCpu(): Promise<BackendLoadResult> {
  const cpu = await import('@tensorflow/tfjs-backend-cpu');
  if (!(await activate('cpu'))) return { ok: false, reason: 'the cpu backend failed to initialise', versions: {} };
  // Its first tensor write prints a multi-line "install tfjs-node" banner; the choice is logged here.
  const backend: object = tf.backend();
  if ('firstUse' in backend) (backend as { firstUse: boolean }).firstUse = false;
  return {
    ok: true,
    reason: `tfjs-backend-cpu ${cpu.version_cpu} (pure JS; orders of magnitude slower than the others)`,
    versions: { ...coreVersions(), 'tfjs-backend-cpu': cpu.version_cpu },
  };
}
