import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { InputError } from '@app/contracts';

/** Bounds for unpacking an untrusted ZIP; every one is checked before the bytes it guards are inflated. */
export interface ZipLimits {
  /** Entries in the central directory, folders included. */
  maxEntries: number;
  /** Bytes after unpacking, summed over all entries. */
  maxUnpackedBytes: number;
  /** Largest accepted uncompressed/compressed ratio of an entry above `RATIO_FLOOR_BYTES` (a ZIP bomb's tell). */
  maxCompressionRatio: number;
}

/** One file of a container, unpacked and checked (size, CRC-32). */
export interface ZipEntryData {
  /** The name as the container gives it, '/' between folders, NFC. */
  name: string;
  data: Buffer;
  compressedSize: number;
}

/**
 * Below this size an entry's ratio is not held against it: a few KiB of blank lines compress 100:1 and
 * harm no one, and the total limit bounds many small entries anyway.
 */
export const RATIO_FLOOR_BYTES = 1024 * 1024;

const STORED = 0;
const DEFLATED = 8;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_STRONG_ENCRYPTION = 0x0040;

/**
 * Unpacks an untrusted ZIP into memory, refusing before inflating anything it can judge from the
 * central directory: too many entries, encrypted entries, unknown compression methods, unsafe or
 * duplicate names, declared sizes above the limits or a compression ratio only a bomb has. While
 * inflating, yauzl stops an entry that yields more than it declared and the running total is held
 * against the limit, so a lying header costs at most `maxUnpackedBytes` of work. The CRC-32 of each
 * entry is checked (yauzl does not). Folder entries are checked and skipped.
 *
 * Refusals are InputErrors: 'zip-corrupt' (400, truncated or damaged), 'zip-unsafe-name' (400),
 * 'zip-duplicate-name' (400), 'zip-encrypted' (422), 'zip-unsupported' (422), 'zip-too-many-entries',
 * 'zip-too-large' and 'zip-bomb' (413). `what` names the container in messages ("the ZIP container",
 * "the DOCX file x.docx").
 */
export async function readZipContainer(body: Buffer, limits: ZipLimits, what = 'the ZIP container'): Promise<ZipEntryData[]> {
  let zip: yauzl.ZipFile;
  try {
    // decodeStrings off: names are decoded and judged below, so an unsafe name is a clear refusal, not a generic error.
    zip = await yauzl.fromBufferPromise(body, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true });
  } catch (error) {
    throw corrupt(what, error);
  }
  try {
    if (zip.entryCount > limits.maxEntries) {
      throw new InputError(`${what} has ${zip.entryCount} entries; at most ${limits.maxEntries} are accepted`, 'zip-too-many-entries', 413);
    }
    const entries: ZipEntryData[] = [];
    const seen = new Map<string, string>();
    let total = 0;
    for await (const entry of zip.eachEntry()) {
      const name = entryName(entry, what);
      const key = name.toLowerCase();
      const earlier = seen.get(key);
      // Case-insensitive: on the file systems that Fachverfahren unpack to, `A.pdf` and `a.pdf` are one file.
      if (earlier !== undefined) throw new InputError(`${what} holds ${JSON.stringify(name)} twice${earlier === name ? '' : ` (also as ${JSON.stringify(earlier)})`}`, 'zip-duplicate-name', 400);
      seen.set(key, name);
      if (name.endsWith('/')) {
        if (entry.uncompressedSize !== 0) throw new InputError(`${what}: the folder entry ${JSON.stringify(name)} has content`, 'zip-corrupt', 400);
        continue;
      }
      if (entry.generalPurposeBitFlag & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) {
        throw new InputError(`${what}: ${JSON.stringify(name)} is encrypted; send the container without a password`, 'zip-encrypted', 422);
      }
      if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED) {
        throw new InputError(
          `${what}: ${JSON.stringify(name)} uses compression method ${entry.compressionMethod}; only stored (0) and deflate (8) are accepted`,
          'zip-unsupported',
          422,
        );
      }
      const declared = entry.uncompressedSize;
      if (declared > RATIO_FLOOR_BYTES && declared / Math.max(entry.compressedSize, 1) > limits.maxCompressionRatio) {
        const ratio = Math.round(declared / Math.max(entry.compressedSize, 1));
        throw new InputError(
          `${what}: ${JSON.stringify(name)} would unpack ${entry.compressedSize} bytes to ${declared} (ratio ${ratio}:1, at most ${limits.maxCompressionRatio}:1 is accepted); this looks like a ZIP bomb`,
          'zip-bomb',
          413,
        );
      }
      if (total + declared > limits.maxUnpackedBytes) {
        throw new InputError(`${what} unpacks to more than ${limits.maxUnpackedBytes} bytes (at ${JSON.stringify(name)})`, 'zip-too-large', 413);
      }
      const data = await inflate(zip, entry, name, what, limits.maxUnpackedBytes - total);
      total += data.length;
      entries.push({ name, data, compressedSize: entry.compressedSize });
    }
    return entries;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw corrupt(what, error);
  } finally {
    zip.close();
  }
}

async function inflate(zip: yauzl.ZipFile, entry: yauzl.Entry, name: string, what: string, budget: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  let crc = 0;
  let stream;
  try {
    stream = await zip.openReadStreamPromise(entry);
  } catch (error) {
    throw corrupt(`${what}: ${JSON.stringify(name)}`, error);
  }
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      // yauzl already stops at the declared size; this holds even if that check ever changes.
      if (size > entry.uncompressedSize || size > budget) {
        throw new InputError(`${what}: ${JSON.stringify(name)} unpacks to more than it declares or than the limit allows`, 'zip-bomb', 413);
      }
      crc = crc32(chunk, crc);
      chunks.push(chunk);
    }
  } catch (error) {
    stream.destroy();
    if (error instanceof InputError) throw error;
    throw corrupt(`${what}: ${JSON.stringify(name)}`, error);
  }
  if (size !== entry.uncompressedSize) throw corrupt(`${what}: ${JSON.stringify(name)}`, new Error(`unpacked ${size} bytes, the header says ${entry.uncompressedSize}`));
  if (crc >>> 0 !== entry.crc32 >>> 0) throw corrupt(`${what}: ${JSON.stringify(name)}`, new Error('CRC-32 mismatch'));
  return Buffer.concat(chunks, size);
}

/** Decodes the name (UTF-8 flag, Info-ZIP Unicode path field, else CP437) and refuses names that could leave a folder. */
function entryName(entry: yauzl.Entry, what: string): string {
  // strictFileNames: a backslash stays a backslash and is refused below rather than turned into a folder.
  const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true).normalize('NFC');
  const problem = nameProblem(name);
  if (problem) throw new InputError(`${what} holds an entry named ${JSON.stringify(name)}, which ${problem}`, 'zip-unsafe-name', 400);
  return name;
}

function nameProblem(name: string): string | undefined {
  if (name === '' || name === '/') return 'is empty';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'contains a control character';
  if (name.includes('\\')) return 'contains a backslash (a Windows path separator)';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'is an absolute path';
  const segments = name.replace(/\/$/, '').split('/');
  if (segments.includes('..')) return 'climbs out of the container with ".."';
  if (segments.some((segment) => segment === '' || segment === '.')) return 'has an empty or "." path segment';
  if (Buffer.byteLength(name, 'utf8') > 1024) return 'is longer than 1024 bytes';
  return undefined;
}

function corrupt(what: string, error: unknown): InputError {
  const detail = error instanceof Error ? error.message : String(error);
  return new InputError(`${what} is truncated or corrupt: ${detail}`, 'zip-corrupt', 400);
}
