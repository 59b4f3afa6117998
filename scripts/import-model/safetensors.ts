/**
 * Reading and writing the safetensors format (https://github.com/huggingface/safetensors):
 *
 *   u64 little-endian header length N | N bytes of JSON header | tensor data
 *
 * The header maps each tensor name to { dtype, shape, data_offsets: [begin, end] }
 * relative to the start of the data. Every size is checked against the file,
 * so a truncated download is refused with a reason instead of producing a
 * model with zeros or garbage in its last layers.
 */
import { readFileSync } from 'node:fs';
import { ImportRefusal } from './refusal.js';

/** The float types a sentence-transformers snapshot may hold; integers (position_ids) are skipped by the caller. */
const BYTES_PER_ELEMENT: Readonly<Record<string, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

export interface TensorEntry {
  readonly dtype: string;
  readonly shape: readonly number[];
  /** Byte range inside the file (already shifted past the header). */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsFile {
  readonly path: string;
  readonly bytes: Buffer;
  readonly tensors: ReadonlyMap<string, TensorEntry>;
}

const HeaderEntry = (value: unknown): value is { dtype: string; shape: number[]; data_offsets: [number, number] } => {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  const offsets = entry['data_offsets'];
  const shape = entry['shape'];
  return (
    typeof entry['dtype'] === 'string' &&
    Array.isArray(shape) &&
    shape.every((d) => Number.isInteger(d) && (d as number) >= 0) &&
    Array.isArray(offsets) &&
    offsets.length === 2 &&
    offsets.every((o) => Number.isInteger(o) && (o as number) >= 0)
  );
};

export function readSafetensors(path: string): SafetensorsFile {
  return parseSafetensors(path, readFileSync(path));
}

export function parseSafetensors(path: string, bytes: Buffer): SafetensorsFile {
  const truncated = (detail: string) => new ImportRefusal('truncated', `${path} is truncated or damaged: ${detail}`);
  if (bytes.byteLength < 8) throw truncated(`${bytes.byteLength} bytes, shorter than the 8-byte header length`);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  if (headerLength > bytes.byteLength - 8) {
    throw truncated(`the header says ${headerLength} bytes of JSON but the file has ${bytes.byteLength - 8} after the length`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    throw truncated(`its JSON header does not parse (${(error as Error).message})`);
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.byteLength - dataStart;
  const tensors = new Map<string, TensorEntry>();
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (!HeaderEntry(value)) throw truncated(`tensor ${name} has a malformed header entry`);
    const [begin, end] = value.data_offsets;
    const width = BYTES_PER_ELEMENT[value.dtype];
    if (width === undefined)
      throw new ImportRefusal(
        'unsupported_weights',
        `${path}: tensor ${name} has dtype ${value.dtype}, which the importer does not read`,
      );
    const expected = value.shape.reduce((a, b) => a * b, 1) * width;
    if (end - begin !== expected)
      throw truncated(
        `tensor ${name} spans ${end - begin} bytes but ${value.dtype}${JSON.stringify(value.shape)} needs ${expected}`,
      );
    if (end > dataLength) throw truncated(`tensor ${name} ends at byte ${end} of the data but the file holds only ${dataLength}`);
    tensors.set(name, { dtype: value.dtype, shape: value.shape, begin: dataStart + begin, end: dataStart + end });
  }
  return { path, bytes, tensors };
}

/** bf16 is the top half of an fp32: shift it back into place. */
function bf16ToFloat32(source: Buffer): Float32Array {
  const halves = new Uint16Array(source.buffer.slice(source.byteOffset, source.byteOffset + source.byteLength));
  const words = new Uint32Array(halves.length);
  for (let i = 0; i < halves.length; i++) words[i] = (halves[i] ?? 0) << 16;
  return new Float32Array(words.buffer);
}

function f16ToFloat32(source: Buffer): Float32Array {
  const out = new Float32Array(source.byteLength / 2);
  for (let i = 0; i < out.length; i++) {
    const h = source.readUInt16LE(i * 2);
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    if (exponent === 0) out[i] = sign * 2 ** -14 * (fraction / 1024);
    else if (exponent === 0x1f) out[i] = fraction === 0 ? sign * Infinity : NaN;
    else out[i] = sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
  }
  return out;
}

/** A float tensor as a fresh Float32Array (copied, so it is aligned and independent of the file buffer). */
export function floatTensor(file: SafetensorsFile, name: string): { shape: readonly number[]; data: Float32Array } {
  const entry = file.tensors.get(name);
  if (entry === undefined) throw new ImportRefusal('not_bert', `${file.path} has no tensor ${name}, which a BERT encoder needs`);
  const raw = file.bytes.subarray(entry.begin, entry.end);
  switch (entry.dtype) {
    case 'F32':
      return { shape: entry.shape, data: new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)) };
    case 'F64':
      return {
        shape: entry.shape,
        data: Float32Array.from(new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength))),
      };
    case 'F16':
      return { shape: entry.shape, data: f16ToFloat32(raw) };
    case 'BF16':
      return { shape: entry.shape, data: bf16ToFloat32(raw) };
    default:
      throw new ImportRefusal('unsupported_weights', `${file.path}: tensor ${name} is ${entry.dtype}, not a float type`);
  }
}

/** Serialises float32 tensors; used by tests to build sentence-transformers-like snapshots. */
export function encodeSafetensors(tensors: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>): Buffer {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, tensor] of tensors) {
    header[name] = { dtype: 'F32', shape: tensor.shape, data_offsets: [offset, offset + tensor.data.byteLength] };
    offset += tensor.data.byteLength;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.byteLength));
  const parts = [
    length,
    json,
    ...[...tensors.values()].map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)),
  ];
  return Buffer.concat(parts);
}
