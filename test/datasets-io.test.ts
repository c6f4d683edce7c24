import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readNpy, writeNpy, parseNpyHeader } from '../framework/io/npy.ts';
import { NpzFile, readNpz, writeNpz } from '../framework/io/npz.ts';
import { readMat5, writeMat5 } from '../framework/io/mat5.ts';
import { crc32, crc32Fallback } from '../framework/io/crc32.ts';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UntangleError } from '../framework/util/errors.ts';

const FIX = new URL('./fixtures/datasets/', import.meta.url).pathname;
const fixture = (name: string): Uint8Array => readFileSync(FIX + name);

describe('npy (checked against files numpy wrote)', () => {
  it('reads v1 float32, int64 and bool arrays', () => {
    const f = readNpy(fixture('npy/arange_f4.npy'));
    expect(f.dtype).toBe('float32');
    expect(f.shape).toEqual([2, 3]);
    expect(Array.from(f.data as Float32Array)).toEqual([0, 1, 2, 3, 4, 5]);
    const i = readNpy(fixture('npy/arange_i8.npy'));
    expect(i.dtype).toBe('int64');
    expect(Array.from(i.data as BigInt64Array)).toEqual([-3n, -2n, -1n, 0n, 1n, 2n]);
    const b = readNpy(fixture('npy/bool.npy'));
    expect(b.dtype).toBe('bool');
    expect(Array.from(b.data as Uint8Array)).toEqual([1, 0, 1]);
  });

  it('reads v2 and v3 headers', () => {
    for (const v of ['v2', 'v3']) {
      const bytes = fixture(`npy/${v}_u1.npy`);
      expect(bytes[6]).toBe(Number(v[1]));
      const a = readNpy(bytes);
      expect(a.shape).toEqual([2, 3, 4]);
      expect(Array.from(a.data as Uint8Array)).toEqual(Array.from({ length: 24 }, (_, k) => k));
    }
  });

  it('transposes Fortran-ordered arrays into C order', () => {
    const bytes = fixture('npy/fortran_f8.npy');
    expect(parseNpyHeader(bytes).fortranOrder).toBe(true);
    // np.asfortranarray(np.arange(6).reshape(2, 3)): C-order reading gives 0..5.
    expect(Array.from(readNpy(bytes).data as Float64Array)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('writes byte-for-byte what np.save writes', () => {
    expect(Buffer.from(writeNpy(Float32Array.from([0, 1, 2, 3, 4, 5]), [2, 3]))).toEqual(Buffer.from(fixture('npy/arange_f4.npy')));
    expect(Buffer.from(writeNpy(BigInt64Array.from([-3n, -2n, -1n, 0n, 1n, 2n]), [6]))).toEqual(Buffer.from(fixture('npy/arange_i8.npy')));
    expect(Buffer.from(writeNpy(Uint8Array.from([1, 0, 1]), [3], 'bool'))).toEqual(Buffer.from(fixture('npy/bool.npy')));
  });

  it('round-trips every dtype and refuses mismatches', () => {
    const cases = [
      [new Float64Array([1.5, -2]), 'float64'], [new Int32Array([7, -8]), 'int32'], [new Uint8Array([0, 255]), 'uint8'],
    ] as const;
    for (const [arr, dt] of cases) {
      const back = readNpy(writeNpy(arr, [2]));
      expect(back.dtype).toBe(dt);
      expect(Array.from(back.data as ArrayLike<number>)).toEqual(Array.from(arr));
    }
    expect(() => writeNpy(new Float32Array(3), [2, 2])).toThrow(UntangleError);
    expect(() => writeNpy(new Float32Array(4), [4], 'int32')).toThrow(/cannot be written/);
    expect(() => readNpy(new Uint8Array(16))).toThrow(/magic/);
  });
});

describe('npz', () => {
  it('reads numpy-written files, deflated (savez_compressed, with a pickled member) and stored (savez)', () => {
    const ds = NpzFile.open(FIX + 'dsprites_tiny.npz');
    expect(ds.keys().sort()).toEqual(['imgs', 'latents_classes', 'latents_values', 'metadata']);
    const cls = ds.read('latents_classes');
    expect(cls.shape).toEqual([48, 6]);
    expect(Array.from(cls.data as BigInt64Array).slice(0, 12).map(Number)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(ds.array('imgs').storage).toBe('deflated');
    expect(() => ds.read('metadata')).toThrow(/unsupported .npy dtype '\|O'/);
    const s3 = NpzFile.open(FIX + 'shapes3d_tiny.npz');
    const a = s3.array('images');
    expect(a.storage).toBe('stored');
    expect(a.header.shape).toEqual([8, 64, 64, 3]);
    // images[1, 0, 2, 1] = (31 + 0 + 6 + 71) % 256, at flat byte ((1·64 + 0)·64 + 2)·3 + 1
    expect(a.readBytes(((1 * 64 + 0) * 64 + 2) * 3 + 1, 1)[0]).toBe(108);
  });

  it('follows ZIP64 records (numpy writes them for members over 4 GiB)', () => {
    const bytes = fixture('zip64_tiny.npz');
    // the fixture really is ZIP64: end record, locator, and saturated 32-bit sizes
    expect(Buffer.from(bytes).indexOf(Buffer.from([0x50, 0x4b, 6, 6]))).toBeGreaterThan(0);
    const f = NpzFile.fromBytes(bytes);
    expect(f.keys().sort()).toEqual(['images', 'labels']);
    const img = f.array('images');
    expect(img.header.shape).toEqual([2, 64, 64, 3]);
    // images[1, 2, 3, 1] = (31 + 10 + 9 + 71) % 256
    expect(img.readBytes(((1 * 64 + 2) * 64 + 3) * 3 + 1, 1)[0]).toBe(121);
    expect(Array.from(f.read('labels').data as Float64Array)).toEqual(Array.from({ length: 12 }, (_, k) => k));
  });

  it('round-trips its own writer, stored and deflated', () => {
    for (const compress of [false, true]) {
      const bytes = writeNpz({ a: { data: Int32Array.from([1, -2, 3]), shape: [3] }, b: { data: new Uint8Array([9, 8, 7, 6]), shape: [2, 2] } }, { compress });
      const all = readNpz(bytes);
      expect(Array.from(all.a.data as Int32Array)).toEqual([1, -2, 3]);
      expect(all.b.shape).toEqual([2, 2]);
      expect(NpzFile.fromBytes(bytes).array('b').storage).toBe(compress ? 'deflated' : 'stored');
    }
  });

  it('detects corruption through the CRC-32', () => {
    const bytes = writeNpz({ a: { data: new Float64Array([1, 2, 3, 4]), shape: [4] } });
    const bad = bytes.slice();
    bad[30 + 'a.npy'.length + 128 + 3] ^= 0xff; // a data byte of the stored member
    expect(() => readNpz(bad)).toThrow(/CRC-32/);
    expect(() => readNpz(new Uint8Array(100))).toThrow(/end-of-central-directory/);
    // a deflated member whose directory promises more bytes than it inflates to
    const z = writeNpz({ a: { data: new Float64Array(64), shape: [64] } }, { compress: true });
    const cd = Buffer.from(z).indexOf(Buffer.from([0x50, 0x4b, 1, 2]));
    new DataView(z.buffer, z.byteOffset).setUint32(cd + 24, 10_000, true);
    expect(() => readNpz(z)).toThrow(/does not inflate to the 10000 bytes|member size differs/);
    expect(() => NpzFile.open(FIX + 'no-such.npz')).toThrow(UntangleError);
  });
});

describe('npz extraction to disk (compressed members too large for memory)', () => {
  it('inflates a deflated member once into extract_dir and serves the same bytes by offset', () => {
    const dir = mkdtempSync(join(tmpdir(), 'extract-'));
    const f = NpzFile.open(FIX + 'dsprites_tiny.npz');
    const mem = f.array('imgs');
    const disk = f.array('imgs', { extractDir: dir });
    expect(mem.storage).toBe('deflated');
    expect(disk.storage).toBe('extracted');
    expect(disk.header.shape).toEqual([48, 64, 64]);
    const all = 48 * 4096;
    expect(Buffer.from(disk.readBytes(0, all)).equals(Buffer.from(mem.readBytes(0, all)))).toBe(true);
    const [name] = readdirSync(dir);
    expect(name).toMatch(/^dsprites_tiny\.npz\.imgs\.[0-9a-f]{8}\.npy$/);
    const mtime = statSync(join(dir, name)).mtimeMs;
    expect(f.array('imgs', { extractDir: dir }).storage).toBe('extracted'); // reused, not rewritten
    expect(statSync(join(dir, name)).mtimeMs).toBe(mtime);
    f.close();
  });

  it('refuses a member that inflates to the wrong bytes and leaves no partial file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'extract-'));
    const data = new Float64Array(4096).map((_, k) => Math.sin(k));
    const z = writeNpz({ a: { data, shape: [4096] } }, { compress: true });
    // corrupt the stored CRC: the inflation succeeds, the check must not
    const cd = Buffer.from(z).indexOf(Buffer.from([0x50, 0x4b, 1, 2]));
    const view = new DataView(z.buffer, z.byteOffset);
    view.setUint32(cd + 16, view.getUint32(cd + 16, true) ^ 1, true);
    writeFileSync(join(dir, 'bad.npz'), z);
    expect(() => NpzFile.open(join(dir, 'bad.npz')).array('a', { extractDir: join(dir, 'out') })).toThrow(/CRC-32 of the inflated data/);
    expect(readdirSync(join(dir, 'out'))).toEqual([]);
  });

  it('crc32 matches the standard check value, natively and in the fallback', () => {
    const check = new TextEncoder().encode('123456789');
    expect(crc32(check)).toBe(0xcbf43926);
    expect(crc32Fallback(check)).toBe(0xcbf43926);
    const blob = Uint8Array.from({ length: 10000 }, (_, k) => (k * 7919) % 256);
    expect(crc32Fallback(blob.subarray(5000), crc32Fallback(blob.subarray(0, 5000)))).toBe(crc32(blob));
  });
});

describe('MAT level 5', () => {
  it('reads scipy.io.savemat output (compressed), column-major, skipping nothing numeric', () => {
    const m = readMat5(fixture('cars/car_001_mesh.mat'));
    const im = m.arrays.get('im');
    expect(im?.className).toBe('uint8');
    expect(im?.dims).toEqual([128, 128, 3, 3, 2]);
    // im[y, x, k, a, e] = (2x + 3y + 40k + 50a + 90e + 17·car) % 256, stored column-major.
    const at = (y: number, x: number, k: number, a: number, e: number): number => im!.data[y + 128 * (x + 128 * (k + 3 * (a + 3 * e)))] as number;
    for (const [y, x, k, a, e] of [[0, 0, 0, 0, 0], [5, 9, 2, 1, 1], [127, 127, 2, 2, 1], [64, 3, 1, 0, 1]]) {
      expect(at(y, x, k, a, e)).toBe((2 * x + 3 * y + 40 * k + 50 * a + 90 * e + 17) % 256);
    }
    expect(Array.from(m.arrays.get('note')!.data as Float64Array)).toEqual([1.5]);
  });

  it('round-trips its writer with and without compression, and refuses v7.3', () => {
    const data = Uint8Array.from({ length: 2 * 3 * 5 }, (_, k) => (k * 37) % 256);
    for (const compress of [false, true]) {
      const m = readMat5(writeMat5([{ name: 'im', dims: [2, 3, 5], data }, { name: 'x', dims: [1, 1], data: Uint8Array.of(4) }], { compress }));
      expect(m.arrays.get('im')?.dims).toEqual([2, 3, 5]);
      expect(Array.from(m.arrays.get('im')!.data as Uint8Array)).toEqual(Array.from(data));
      expect(Array.from(m.arrays.get('x')!.data as Uint8Array)).toEqual([4]);
    }
    const v73 = new Uint8Array(200);
    v73.set(new TextEncoder().encode('MATLAB 7.3 MAT-file'));
    expect(() => readMat5(v73)).toThrow(/v7.3/);
  });
});
