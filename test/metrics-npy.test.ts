import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../framework/io/npy.ts';

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

/** Bytes of a .npy file with a hand-written header (independent of writeNpy). */
function handMade(major: number, header: string, data: Uint8Array): Uint8Array {
  const prefix = major === 1 ? 10 : 12;
  const text = header + ' '.repeat((64 - ((prefix + header.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(prefix + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(new TextEncoder().encode(text), prefix);
  out.set(data, prefix + text.length);
  return out;
}

describe('.npy reader/writer', () => {
  it('reads hand-made v1 and v2 files', () => {
    const f64 = new Uint8Array(Float64Array.from([1, 2, 3, 4, 5, 6]).buffer);
    const a = readNpy(handMade(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", f64));
    expect(a.dtype).toBe('float64');
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data as Float64Array)).toEqual([1, 2, 3, 4, 5, 6]);
    const b = readNpy(handMade(2, "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", Uint8Array.from([7, 8, 9])));
    expect(b.dtype).toBe('uint8');
    expect(b.shape).toEqual([3]);
    expect(Array.from(b.data as Uint8Array)).toEqual([7, 8, 9]);
    const scalar = readNpy(handMade(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (), }", new Uint8Array(Int32Array.of(-5).buffer)));
    expect(scalar.shape).toEqual([]);
    expect(Array.from(scalar.data as Int32Array)).toEqual([-5]);
  });

  it('round-trips every supported dtype with a 64-byte aligned header', () => {
    const arrays = [
      Float32Array.from([1.5, -2, 3]), Float64Array.from([Math.PI, 0, -1]), Int32Array.from([1, -2, 2 ** 30]),
      Uint8Array.from([0, 128, 255]), BigInt64Array.from([1n, -(2n ** 40n), 3n]),
    ];
    for (const arr of arrays) {
      const bytes = writeNpy(arr, [3, 1]);
      const headerLen = new DataView(bytes.buffer).getUint16(8, true);
      expect((10 + headerLen) % 64).toBe(0);
      const back = readNpy(bytes);
      expect(back.shape).toEqual([3, 1]);
      expect(back.data.constructor).toBe(arr.constructor);
      expect(Array.from(back.data as ArrayLike<unknown>)).toEqual(Array.from(arr as ArrayLike<unknown>));
    }
  });

  it('reads from an unaligned view of a larger buffer', () => {
    const file = writeNpy(Float64Array.from([1, 2]), [2]);
    const big = new Uint8Array(file.length + 3);
    big.set(file, 3);
    expect(Array.from(readNpy(big.subarray(3)).data as Float64Array)).toEqual([1, 2]);
  });

  it('reads Fortran order into C order', () => {
    // A 2×3 array [[1,2,3],[4,5,6]] stored column-major: 1 4 2 5 3 6.
    const d = new Uint8Array(Float64Array.from([1, 4, 2, 5, 3, 6]).buffer);
    const a = readNpy(handMade(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", d));
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data as Float64Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('refuses big-endian data, truncated files and mismatched shapes', () => {
    const d = new Uint8Array(16);
    expect(() => readNpy(handMade(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", d))).toThrow(/dtype/);
    expect(() => readNpy(handMade(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }", d))).toThrow(/shorter/);
    expect(() => readNpy(new Uint8Array(20))).toThrow(/magic/);
    expect(() => writeNpy(Float32Array.from([1, 2]), [3])).toThrow(/shape/);
    expect(() => writeNpy(Float32Array.from([1, 2]), [2], 'float64')).toThrow(/float64/);
  });

  it.skipIf(!hasNumpy)('interoperates with numpy (np.save → readNpy, writeNpy → np.load)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'npy-'));
    const script = `
import numpy as np, sys
d = sys.argv[1]
np.save(d + '/a.npy', np.arange(12, dtype='<f4').reshape(3, 4) / 4)
np.save(d + '/b.npy', np.array([[1, -2], [3, 2**40]], dtype='<i8'))
c = np.load(d + '/c.npy')
print(c.dtype, c.shape, float(c.sum()), c[1, 0])
`;
    writeFileSync(join(dir, 'c.npy'), writeNpy(Float64Array.from([0.5, 1, 2, 4, 8, 16]), [2, 3]));
    const r = spawnSync('python3', ['-c', script, dir], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('float64 (2, 3) 31.5 4.0');
    const a = readNpy(new Uint8Array(readFileSync(join(dir, 'a.npy'))));
    expect(a.dtype).toBe('float32');
    expect(a.shape).toEqual([3, 4]);
    expect(Array.from(a.data as Float32Array)).toEqual(Array.from({ length: 12 }, (_, i) => i / 4));
    const b = readNpy(new Uint8Array(readFileSync(join(dir, 'b.npy'))));
    expect(Array.from(b.data as BigInt64Array)).toEqual([1n, -2n, 3n, 2n ** 40n]);
  });
});
