/**
 * Devices for the libtorch backend: what a request ('cpu' | 'cuda' | 'cuda:N' | 'auto') means on
 * this machine, the sentence that says what was found when it cannot be met, and the facts a run
 * records (which libtorch, whether CUDA is compiled in, which GPU and driver). Pure functions over
 * what the addon reports (deviceInfo), so they are tested without a GPU.
 */

export type DeviceRequest = 'auto' | 'cpu' | 'cuda' | `cuda:${number}`;

/** What the addon reports about the libtorch it linked (native/device.cc, deviceInfo()). */
export interface DeviceInfo {
  torch: string;
  cudaCompiled: boolean;
  cudaDevices: number;
  /** CUDA driver version ("12.8"), '' when unknown. */
  driver: string;
  /** Why the driver could not be asked ('' when it answered). */
  driverError: string;
  gpus: { index: number; name: string; memoryMiB: number }[];
  buildConfig: string;
  /** The device new tensors go to now. */
  device: string;
}

/** Where the addon was built from (build.mjs's build/untangle-libtorch.json). */
export interface LinkedLibtorch { version: string; lib: string }

const DEVICE_RE = /^(auto|cpu|cuda|cuda:(\d+))$/;

export function isDeviceRequest(s: string): s is DeviceRequest {
  return DEVICE_RE.test(s);
}

/** "libtorch 2.13.0+cpu linked from /…/torch/lib; compiled without CUDA" (or "…; CUDA compiled in, 1 GPU: NVIDIA H200, driver 12.8"). */
export function describeLinked(info: DeviceInfo, linked: LinkedLibtorch): string {
  const head = `libtorch ${linked.version !== 'unknown' ? linked.version : info.torch} linked from ${linked.lib || 'an unknown path'}`;
  if (!info.cudaCompiled) return `${head}; compiled without CUDA`;
  const gpus = info.gpus.map((g) => g.name).join(', ');
  const seen = info.cudaDevices === 0
    ? `no GPU visible${info.driverError ? ` (${info.driverError})` : ''}`
    : `${info.cudaDevices} GPU${info.cudaDevices > 1 ? 's' : ''}${gpus ? `: ${gpus}` : ''}${info.driver ? `, driver ${info.driver}` : ''}`;
  return `${head}; CUDA compiled in, ${seen}`;
}

export type DeviceResolution = { ok: true; device: string } | { ok: false; reason: string };

/**
 * The concrete device for a request. 'auto' is the first GPU when CUDA is compiled in and a GPU is
 * visible, else the CPU; 'cuda' is cuda:0. A request this libtorch cannot meet is a value that
 * says what was found.
 */
export function resolveDevice(request: string, info: DeviceInfo, linked: LinkedLibtorch): DeviceResolution {
  const m = DEVICE_RE.exec(request);
  if (!m) return { ok: false, reason: `unknown device '${request}' (expected cpu, cuda, cuda:N or auto)` };
  if (request === 'cpu') return { ok: true, device: 'cpu' };
  if (request === 'auto') return { ok: true, device: info.cudaCompiled && info.cudaDevices > 0 ? 'cuda:0' : 'cpu' };
  const index = m[2] === undefined ? 0 : Number(m[2]);
  const found = describeLinked(info, linked);
  if (!info.cudaCompiled || info.cudaDevices === 0) return { ok: false, reason: `device ${request} requested, but ${found}` };
  if (index >= info.cudaDevices) return { ok: false, reason: `device ${request} requested, but ${found} (valid: cuda:0..cuda:${info.cudaDevices - 1})` };
  return { ok: true, device: `cuda:${index}` };
}

/** The device facts a run records (as string tags). GPU entries only when the run is on a GPU. */
export function deviceVersions(info: DeviceInfo, device: string): Record<string, string> {
  const out: Record<string, string> = {
    device,
    libtorchCuda: info.cudaCompiled ? 'compiled' : 'not compiled',
    cudaDevices: String(info.cudaDevices),
  };
  const gpu = device.startsWith('cuda') ? info.gpus.find((g) => `cuda:${g.index}` === device) : undefined;
  if (gpu) {
    out.gpu = gpu.name;
    out.gpuMemoryMiB = String(gpu.memoryMiB);
  }
  if (device.startsWith('cuda') && info.driver) out.cudaDriver = info.driver;
  return out;
}
