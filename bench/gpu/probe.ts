/**
 * Loads the built addon on a device and prints, as one JSON line, what it linked and found (CUDA
 * compiled in, GPUs, driver) and the versions a run would record. Exit 1 when it cannot run there.
 * Usage: node --import tsx bench/gpu/probe.ts [--device cuda]
 */
import { libtorchDeviceInfo, registerLibtorch } from '@untangle/tfjs-backend-libtorch';

const i = process.argv.indexOf('--device');
const device = i >= 0 ? process.argv[i + 1] : 'cuda';
const r = await registerLibtorch({ device });
const info = libtorchDeviceInfo();
console.log(JSON.stringify({
  ok: r.ok, reason: r.reason, cudaCompiled: info?.cudaCompiled, cudaDevices: info?.cudaDevices, gpus: info?.gpus,
  driver: info?.driver, driverError: info?.driverError, versions: r.versions,
}));
if (!r.ok) process.exitCode = 1;
