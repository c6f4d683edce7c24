#!/usr/bin/env node
// Builds the libtorch addon (build/Release/untangle_torch.node, beside this file) when a libtorch
// is found, in this order: $LIBTORCH (or $TORCH_HOME) holding include/ and lib/, the `torch`
// Python package, Debian's libtorch-dev. A CPU or a CUDA libtorch is found the same way; when its
// lib/ holds libtorch_cuda.so the CUDA halves are linked too. Nothing is downloaded. This script
// never fails `npm install`: when libtorch is absent or the build fails it prints one line and
// exits 0, and the program then runs on another tfjs backend.
//
// Usage: node build.mjs [--force] [--find]   (--find: print what would be built against, as JSON;
//                                            UNTANGLE_SKIP_LIBTORCH=1 skips the build)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const buildDir = join(here, 'build');
const infoPath = join(buildDir, 'untangle-libtorch.json');
const logPath = join(here, 'build.log');
const say = (msg) => console.log(`untangle: ${msg}`);

/** A libtorch install: where its headers and shared libraries are, and how we found it. */
function candidate(source, root, include, lib) {
  if (!existsSync(join(include, 'ATen', 'ATen.h'))) return null;
  if (!existsSync(join(lib, 'libtorch_cpu.so')) && !existsSync(join(lib, 'libtorch_cpu.dylib'))) return null;
  const cuda = existsSync(join(lib, 'libtorch_cuda.so')) && existsSync(join(lib, 'libc10_cuda.so'));
  return { source, root, include, lib, cuda };
}

function fromEnv() {
  for (const name of ['LIBTORCH', 'TORCH_HOME']) {
    const root = process.env[name];
    if (!root) continue;
    const c = candidate(`$${name}`, root, join(root, 'include'), join(root, 'lib'));
    if (c) return c;
    if (name === 'LIBTORCH') console.error(`untangle: $LIBTORCH=${root} has no include/ATen/ATen.h or lib/libtorch_cpu.so; looking elsewhere`);
  }
  return null;
}

function fromPython() {
  for (const py of ['python3', 'python']) {
    try {
      const out = execFileSync(py, ['-c', 'import torch, os; print(os.path.dirname(torch.__file__)); print(int(torch._C._GLIBCXX_USE_CXX11_ABI))'], {
        encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000,
      }).trim().split('\n');
      const root = out[0];
      const c = candidate(`python ${py} torch package`, root, join(root, 'include'), join(root, 'lib'));
      if (c) return { ...c, cxx11Abi: out[1] === '1' ? '1' : '0' };
    } catch { /* no python or no torch: try the next way */ }
  }
  return null;
}

function fromDebian() {
  const include = '/usr/include';
  let libs = [];
  try { libs = readdirSync('/usr/lib').map((d) => join('/usr/lib', d)).filter((d) => existsSync(join(d, 'libtorch_cpu.so'))); } catch { /* none */ }
  for (const lib of ['/usr/lib', ...libs]) {
    const c = candidate('Debian libtorch-dev', '/usr', include, lib);
    if (c) return c;
  }
  return null;
}

function torchVersion(include) {
  for (const f of [join(include, 'torch', 'headeronly', 'version.h'), join(include, 'torch', 'csrc', 'api', 'include', 'torch', 'version.h')]) {
    if (!existsSync(f)) continue;
    const text = readFileSync(f, 'utf8');
    const part = (k) => text.match(new RegExp(`#define TORCH_VERSION_${k}\\s+(\\d+)`))?.[1];
    if (part('MAJOR')) return `${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`;
  }
  return 'unknown';
}

/** The full version with its build tag ("2.13.0+cpu", "2.11.0+cu130"): the wheel's version.py or the zip's build-version file. */
function fullVersion(found) {
  try {
    const py = readFileSync(join(found.root, 'version.py'), 'utf8').match(/__version__\s*=\s*['"]([^'"]+)['"]/);
    if (py) return py[1];
  } catch { /* not a Python package */ }
  try { return readFileSync(join(found.root, 'build-version'), 'utf8').trim() || found.version; } catch { return found.version; }
}

/** libtorch >= 2.10 headers need C++20 (its CMake config says so); older ones C++17. */
function cxxStandard(found) {
  const cmake = join(found.root, 'share', 'cmake', 'Torch', 'TorchConfig.cmake');
  if (existsSync(cmake) && /CXX_STANDARD 20/.test(readFileSync(cmake, 'utf8'))) return 'c++20';
  const [maj, min] = found.version.split('.').map(Number);
  return maj > 2 || (maj === 2 && min >= 10) ? 'c++20' : 'c++17';
}

/** node-gyp: npm's own copy when run from npm, else a local or npm-bundled one. */
function findNodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  try { return createRequire(join(here, 'package.json')).resolve('node-gyp/bin/node-gyp.js'); } catch { /* not local */ }
  const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  return existsSync(bundled) ? bundled : null;
}

/** Node headers offline: the ones the machine ships, else whatever nodedir npm was given. */
function findNodeDir() {
  const candidates = [process.env.npm_config_nodedir, dirname(dirname(process.execPath)), '/usr'].filter(Boolean);
  return candidates.find((d) => existsSync(join(d, 'include', 'node', 'node_api.h')) && existsSync(join(d, 'include', 'node', 'common.gypi'))) ?? null;
}

function main() {
  if (process.env.UNTANGLE_SKIP_LIBTORCH === '1') { say('libtorch addon skipped (UNTANGLE_SKIP_LIBTORCH=1); another tfjs backend will be used'); return; }
  const found = fromEnv() ?? fromPython() ?? fromDebian();
  if (process.argv.includes('--find')) {
    if (found) found.version = torchVersion(found.include);
    console.log(JSON.stringify(found ? { ...found, fullVersion: fullVersion(found) } : null));
    return;
  }
  if (!found) {
    say('libtorch not found (no $LIBTORCH, no python torch, no libtorch-dev); skipping the native backend, another tfjs backend will be used. `pip install torch` or `apt-get install libtorch-dev`, then `npm install` again, to get it.');
    return;
  }
  found.version = torchVersion(found.include);
  found.fullVersion = fullVersion(found);
  const nodeGyp = findNodeGyp();
  const nodeDir = findNodeDir();
  if (!nodeGyp || !nodeDir) {
    say(`libtorch ${found.version} found (${found.source}) but ${!nodeGyp ? 'node-gyp' : 'Node headers (include/node/node_api.h)'} is missing; skipping the native backend, another tfjs backend will be used.`);
    return;
  }
  const config = { ...found, cxxStd: cxxStandard(found), cxx11Abi: found.cxx11Abi ?? '1', nodeDir };
  const key = JSON.stringify(config);
  let previous = null;
  try { previous = JSON.parse(readFileSync(infoPath, 'utf8')); } catch { /* first build */ }
  const fresh = process.argv.includes('--force') || previous?.key !== key || !existsSync(join(buildDir, 'Makefile'));
  const env = {
    ...process.env,
    UT_TORCH_INCLUDE: config.include, UT_TORCH_LIB: config.lib, UT_CXX11_ABI: config.cxx11Abi, UT_CXX_STD: config.cxxStd,
    UT_WITH_CUDA: config.cuda ? '1' : '0',
  };
  const gyp = (args) => {
    const cmd = process.platform === 'linux' ? 'nice' : process.execPath;
    const argv = process.platform === 'linux' ? ['-n', '10', process.execPath, nodeGyp, ...args] : [nodeGyp, ...args];
    return spawnSync(cmd, argv, { cwd: here, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  };
  const t0 = Date.now();
  // One compile at a time by default (small shared machines); UT_BUILD_JOBS=N on a big one.
  const jobs = process.env.UT_BUILD_JOBS ?? '1';
  const steps = fresh ? [['configure', `--nodedir=${nodeDir}`], ['build', '-j', jobs]] : [['build', '-j', jobs]];
  let log = '';
  for (const args of steps) {
    const r = gyp(args);
    log += `$ node-gyp ${args.join(' ')}\n${r.stdout ?? ''}${r.stderr ?? ''}\n`;
    if (r.status !== 0) {
      writeFileSync(logPath, log);
      say(`libtorch ${found.version} found (${found.source}) but the addon build failed (log: ${logPath}); another tfjs backend will be used.`);
      return;
    }
  }
  writeFileSync(logPath, log);
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(infoPath, JSON.stringify({ key, version: found.fullVersion, source: found.source, include: found.include, lib: found.lib, cuda: found.cuda, builtAt: new Date().toISOString() }, null, 2));
  say(`libtorch ${found.fullVersion}${found.cuda ? ' (CUDA)' : ' (CPU)'} addon built against ${found.source} (${found.lib}) in ${((Date.now() - t0) / 1000).toFixed(0)} s.`);
}

try { main(); } catch (e) {
  say(`libtorch addon build skipped after an unexpected error (${e instanceof Error ? e.message : String(e)}); another tfjs backend will be used.`);
}
