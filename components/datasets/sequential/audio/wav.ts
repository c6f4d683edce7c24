import { UntangleError } from '../../../../framework/util/errors.ts';

/** Decoded audio: mono or interleaved samples in [-1, 1]. */
export interface WavAudio {
  sampleRate: number;
  channels: number;
  /** Interleaved samples, float32 in [-1, 1]. */
  samples: Float32Array;
}

/**
 * RIFF/WAVE reader for PCM 16-bit (format 1) and IEEE float 32-bit (format 3), including
 * WAVE_FORMAT_EXTENSIBLE (0xFFFE) wrapping either. Unknown chunks (LIST, fact, ...) are skipped.
 */
export interface WavHeader {
  format: number;
  bits: number;
  channels: number;
  sampleRate: number;
  /** Byte offset and length of the sample data. */
  dataOffset: number;
  dataBytes: number;
}

/**
 * Parses the RIFF chunks up to the data chunk; `buf` may be just the file's first few KB (the data
 * chunk's declared size is reported, so a reader can count samples without loading them).
 */
export function parseWavHeader(buf: Uint8Array, source = '<buffer>'): WavHeader {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const tag = (o: number) => String.fromCharCode(buf[o], buf[o + 1], buf[o + 2], buf[o + 3]);
  if (buf.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') {
    throw new UntangleError('wav.not-riff', `${source} is not a RIFF/WAVE file`, { source, bytes: buf.length },
      'NIST SPHERE files (original TIMIT) must be converted to WAV first (e.g. sox in.WAV out.wav)');
  }
  let format = 0, channels = 0, sampleRate = 0, bits = 0;
  for (let o = 12; o + 8 <= buf.length;) {
    const id = tag(o);
    const size = view.getUint32(o + 4, true);
    const body = o + 8;
    if (id === 'fmt ') {
      format = view.getUint16(body, true);
      channels = view.getUint16(body + 2, true);
      sampleRate = view.getUint32(body + 4, true);
      bits = view.getUint16(body + 14, true);
      if (format === 0xfffe && size >= 26) format = view.getUint16(body + 24, true);
    } else if (id === 'data') {
      if (channels === 0) break;
      return { format, bits, channels, sampleRate, dataOffset: body, dataBytes: size };
    }
    o = body + size + (size % 2);
  }
  throw new UntangleError('wav.chunks', `${source} has no fmt chunk before its data chunk`, { source });
}

/**
 * RIFF/WAVE reader for PCM 16-bit (format 1) and IEEE float 32-bit (format 3), including
 * WAVE_FORMAT_EXTENSIBLE (0xFFFE) wrapping either. Unknown chunks (LIST, fact, ...) are skipped.
 */
export function decodeWav(buf: Uint8Array, source = '<buffer>'): WavAudio {
  const { format, bits, channels, sampleRate, dataOffset, dataBytes } = parseWavHeader(buf, source);
  const data = buf.subarray(dataOffset, Math.min(buf.length, dataOffset + dataBytes));
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (format === 1 && bits === 16) {
    const n = Math.floor(data.length / 2);
    const s = new Float32Array(n);
    for (let i = 0; i < n; i++) s[i] = dv.getInt16(2 * i, true) / 32768;
    return { sampleRate, channels, samples: s };
  }
  if (format === 3 && bits === 32) {
    const n = Math.floor(data.length / 4);
    const s = new Float32Array(n);
    for (let i = 0; i < n; i++) s[i] = dv.getFloat32(4 * i, true);
    return { sampleRate, channels, samples: s };
  }
  throw new UntangleError('wav.format', `${source}: unsupported WAV encoding (format ${format}, ${bits} bit)`, { source, format, bits },
    'supported: PCM 16-bit and IEEE float 32-bit');
}

/** Writes a canonical 44-byte-header RIFF/WAVE file: PCM 16-bit (clipped, rounded) or float 32-bit. */
export function encodeWav(audio: WavAudio, encoding: 'pcm16' | 'float32' = 'pcm16'): Uint8Array {
  const bytesPer = encoding === 'pcm16' ? 2 : 4;
  const dataBytes = audio.samples.length * bytesPer;
  const buf = new Uint8Array(44 + dataBytes);
  const v = new DataView(buf.buffer);
  const put = (o: number, s: string) => { for (let i = 0; i < 4; i++) buf[o + i] = s.charCodeAt(i); };
  put(0, 'RIFF'); v.setUint32(4, 36 + dataBytes, true); put(8, 'WAVE');
  put(12, 'fmt '); v.setUint32(16, 16, true);
  v.setUint16(20, encoding === 'pcm16' ? 1 : 3, true);
  v.setUint16(22, audio.channels, true);
  v.setUint32(24, audio.sampleRate, true);
  v.setUint32(28, audio.sampleRate * audio.channels * bytesPer, true);
  v.setUint16(32, audio.channels * bytesPer, true);
  v.setUint16(34, bytesPer * 8, true);
  put(36, 'data'); v.setUint32(40, dataBytes, true);
  for (let i = 0; i < audio.samples.length; i++) {
    if (encoding === 'pcm16') v.setInt16(44 + 2 * i, Math.max(-32768, Math.min(32767, Math.round(audio.samples[i] * 32768))), true);
    else v.setFloat32(44 + 4 * i, audio.samples[i], true);
  }
  return buf;
}

/** Averages interleaved channels to mono. */
export function toMono(a: WavAudio): Float32Array {
  if (a.channels === 1) return a.samples;
  const n = Math.floor(a.samples.length / a.channels);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < a.channels; c++) s += a.samples[i * a.channels + c];
    out[i] = s / a.channels;
  }
  return out;
}
