import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { InputError } from '@app/contracts';
import { writeZip } from './zip-archive.writer.js';
import { RATIO_FLOOR_BYTES, readZipContainer, type ZipLimits } from './zip-container.reader.js';
import { expectRejected } from '@app/testing';

const FIXTURES = path.resolve(process.cwd(), 'test/fixtures');
const CONTAINER_0503 = path.join(FIXTURES, 'ok/xdomea/242f44e8-bebf-4503-a086-db252c6a4277_Aussonderung.Aussonderung.0503.zip');
const LIMITS: ZipLimits = { maxEntries: 100, maxUnpackedBytes: 100 * 1024 * 1024, maxCompressionRatio: 200 };
const AT = new Date('2026-03-01T12:34:56Z');

const refusal = (promise: Promise<unknown>) => expectRejected(InputError, promise);

/** Offsets of the central-directory headers, in entry order. */
function centralHeaders(zip: Buffer): number[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  const offsets: number[] = [];
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < count; i++) {
    offsets.push(at);
    at += 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return offsets;
}

/** Changes a field of an entry in both its local and its central header, as a hostile packer would. */
function patchEntry(zip: Buffer, index: number, patch: (header: Buffer, base: number, local: boolean) => void): Buffer {
  const copy = Buffer.from(zip);
  const central = centralHeaders(copy)[index]!;
  const local = copy.readUInt32LE(central + 42);
  patch(copy, central + 8, false);
  patch(copy, local + 6, true);
  return copy;
}

describe('readZipContainer', () => {
  it('unpacks the 0503 fixture: message, PDF, DOCX and text, each with its size and checked CRC', async () => {
    const entries = await readZipContainer(readFileSync(CONTAINER_0503), LIMITS);
    expect(entries.map((entry) => entry.name)).toEqual([
      '242f44e8-bebf-4503-a086-db252c6a4277_Aussonderung.Aussonderung.0503.xml',
      'e8b289cb-f8dd-492a-b3cf-560674eaa92b_PDF-A1b_CMYK_20150731.pdf',
      '5b0d3f0e-7a4c-4f8e-9a51-2c1d0e6b7f10_Stellungnahme.docx',
      '9c4e2a71-3b6d-4c0f-8e25-6a7b8c9d0e1f_Aktenvermerk.txt',
    ]);
    expect(entries[1]!.data.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(entries[3]!.data.toString('latin1')).toContain('Rücksprache');
  });

  it('reads back what writeZip wrote, stored and deflated, UTF-8 names included', async () => {
    const files = [
      { name: 'Bescheid Müller.txt', data: Buffer.from('Straße '.repeat(500), 'utf8') },
      { name: 'ordner/bild.png', data: Buffer.from([0x89, 0x50, 0x4e, 0x47]), store: true },
      { name: 'leer.txt', data: Buffer.alloc(0) },
    ];
    const zip = writeZip(files, AT);
    const entries = await readZipContainer(zip, LIMITS);
    expect(entries.map((entry) => [entry.name, entry.data.toString('latin1')])).toEqual(files.map((file) => [file.name, file.data.toString('latin1')]));
    // Deflate did its work on the repetitive text; the stored entry kept its size.
    expect(entries[0]!.compressedSize).toBeLessThan(files[0]!.data.length / 10);
    expect(entries[1]!.compressedSize).toBe(4);
    // MS-DOS time in the central directory: 2026-03-01 12:34:56 (two-second steps).
    const central = centralHeaders(zip)[0]!;
    expect(zip.readUInt16LE(central + 14)).toBe(((2026 - 1980) << 9) | (3 << 5) | 1);
    expect(zip.readUInt16LE(central + 12)).toBe((12 << 11) | (34 << 5) | 28);
    expect(writeZip(files, AT).equals(zip)).toBe(true);
  });

  it('skips folder entries and decodes CP437 names of old packers', async () => {
    const zip = writeZip([{ name: 'akte/', data: Buffer.alloc(0), store: true }, { name: 'xy.txt', data: Buffer.from('a') }], AT);
    // Clear the UTF-8 flag and put CP437 0x81 (ü) into the second name: "xy" -> "\x81y".
    const patched = patchEntry(zip, 1, (header, base) => header.writeUInt16LE(0, base));
    const central = centralHeaders(patched)[1]!;
    patched[central + 46] = 0x81;
    patched[patched.readUInt32LE(central + 42) + 30] = 0x81;
    const entries = await readZipContainer(patched, LIMITS);
    expect(entries.map((entry) => entry.name)).toEqual(['üy.txt']);
  });

  it('refuses test/fixtures/not-ok/truncated.zip as truncated or corrupt (400)', async () => {
    const error = await refusal(readZipContainer(readFileSync(path.join(FIXTURES, 'not-ok/truncated.zip')), LIMITS));
    expect(error.code).toBe('zip-corrupt');
    expect(error.httpStatus).toBe(400);
    expect(error.message).toMatch(/truncated or corrupt.*End of central directory record signature not found/);
  });

  it('refuses test/fixtures/not-ok/zip-bomb.zip (12 KB, 32 x 10 MiB) on its declared ratio, before inflating (413)', async () => {
    const bomb = readFileSync(path.join(FIXTURES, 'not-ok/zip-bomb.zip'));
    expect(bomb.length).toBeLessThan(16 * 1024);
    const started = performance.now();
    const error = await refusal(readZipContainer(bomb, LIMITS));
    const elapsed = performance.now() - started;
    expect(error.code).toBe('zip-bomb');
    expect(error.httpStatus).toBe(413);
    expect(error.message).toMatch(/"zeros-00\.bin" would unpack \d+ bytes to 10485760 \(ratio \d+:1, at most 200:1/);
    // Measured on the 2-core machine: 7 ms cold, 0.1-0.3 ms warm. Nothing is inflated; the bound leaves room for noise.
    expect(elapsed).toBeLessThan(250);
  });

  it('refuses the same bomb on the unpacked total when the ratio limit is lifted, at the first entry the header puts over it (413)', async () => {
    const bomb = readFileSync(path.join(FIXTURES, 'not-ok/zip-bomb.zip'));
    const started = performance.now();
    const error = await refusal(readZipContainer(bomb, { ...LIMITS, maxCompressionRatio: 10_000, maxUnpackedBytes: 25 * 1024 * 1024 }));
    expect(error.code).toBe('zip-too-large');
    expect(error.httpStatus).toBe(413);
    // Two 10 MiB entries are inflated (within the limit), the third is refused from its header.
    expect(error.message).toContain('zeros-02.bin');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('stops an entry whose header understates its size after the declared bytes, not after the real ones', async () => {
    const zeros = Buffer.alloc(64 * 1024 * 1024);
    const zip = writeZip([{ name: 'harmlos.txt', data: zeros }], AT);
    // Declare 1000 bytes: ratio and total checks pass on the header; only inflating could tell.
    const lying = patchEntry(zip, 0, (header, base) => header.writeUInt32LE(1000, base + 16));
    const started = performance.now();
    const error = await refusal(readZipContainer(lying, LIMITS));
    const elapsed = performance.now() - started;
    expect(['zip-corrupt', 'zip-bomb']).toContain(error.code);
    expect(error.message).toContain('harmlos.txt');
    // Baseline in the same run: the honest header, ratio check lifted, so all 64 MiB are unpacked (about 1 s
    // here, against 1-70 ms for the refusal). Relative, so a loaded machine slows both alike.
    const baselineStarted = performance.now();
    await readZipContainer(zip, { ...LIMITS, maxCompressionRatio: 10_000 });
    const baseline = performance.now() - baselineStarted;
    expect(elapsed).toBeLessThan(baseline / 2);
  });

  it.each([
    ['../evil.txt', /climbs out of the container/],
    ['akte/../../evil.txt', /climbs out of the container/],
    ['/etc/passwd', /absolute path/],
    ['C:/Windows/win.ini', /absolute path/],
    ['akte\\..\\evil.txt', /backslash/],
    ['akte//doppelt.txt', /empty or "\." path segment/],
    ['neue\nzeile.txt', /control character/],
  ])('refuses the entry name %j (400)', async (name, reason) => {
    const zip = writeZip([{ name: 'ok.txt', data: Buffer.from('ok') }, { name, data: Buffer.from('x') }], AT);
    const error = await refusal(readZipContainer(zip, LIMITS));
    expect(error.code).toBe('zip-unsafe-name');
    expect(error.httpStatus).toBe(400);
    expect(error.message).toMatch(reason);
  });

  it('refuses an encrypted entry (422), naming it', async () => {
    const zip = writeZip([{ name: 'geheim.pdf', data: Buffer.from('%PDF-1.4 ...') }], AT);
    const encrypted = patchEntry(zip, 0, (header, base) => header.writeUInt16LE(header.readUInt16LE(base) | 0x0001, base));
    const error = await refusal(readZipContainer(encrypted, LIMITS));
    expect(error.code).toBe('zip-encrypted');
    expect(error.httpStatus).toBe(422);
    expect(error.message).toContain('"geheim.pdf" is encrypted');
  });

  it('refuses a compression method other than store and deflate (422)', async () => {
    const zip = writeZip([{ name: 'a.txt', data: Buffer.from('abc') }], AT);
    const bzip2 = patchEntry(zip, 0, (header, base) => header.writeUInt16LE(12, base + 2));
    const error = await refusal(readZipContainer(bzip2, LIMITS));
    expect(error.code).toBe('zip-unsupported');
    expect(error.httpStatus).toBe(422);
  });

  it('refuses the same name twice, also when only the case differs (400)', async () => {
    const error = await refusal(readZipContainer(writeZip([{ name: 'Bescheid.pdf', data: Buffer.from('1') }, { name: 'bescheid.PDF', data: Buffer.from('2') }], AT), LIMITS));
    expect(error.code).toBe('zip-duplicate-name');
    expect(error.message).toContain('"bescheid.PDF" twice (also as "Bescheid.pdf")');
  });

  it('refuses more entries than allowed from the directory count alone (413)', async () => {
    const zip = writeZip(Array.from({ length: 11 }, (_, i) => ({ name: `${i}.txt`, data: Buffer.from(String(i)) })), AT);
    const error = await refusal(readZipContainer(zip, { ...LIMITS, maxEntries: 10 }));
    expect(error.code).toBe('zip-too-many-entries');
    expect(error.httpStatus).toBe(413);
  });

  it('refuses damaged data: a flipped byte fails the CRC-32, a cut deflate stream fails to inflate (400)', async () => {
    const stored = writeZip([{ name: 'a.txt', data: Buffer.from('Aktenvermerk'), store: true }], AT);
    const flipped = Buffer.from(stored);
    flipped[30 + 'a.txt'.length] ^= 0xff;
    expect((await refusal(readZipContainer(flipped, LIMITS))).message).toContain('CRC-32 mismatch');

    const text = Buffer.from(Array.from({ length: 2000 }, (_, i) => `Zeile ${i}`).join('\n'));
    const deflated = writeZip([{ name: 'b.txt', data: text }], AT);
    const body = deflateRawSync(text);
    const broken = Buffer.from(deflated);
    broken.fill(0xff, 30 + 5 + 10, 30 + 5 + Math.min(body.length, 40));
    const error = await refusal(readZipContainer(broken, LIMITS));
    expect(error.code).toBe('zip-corrupt');
    expect(error.httpStatus).toBe(400);
  });

  it('holds a ratio only against entries above the floor: a small blank file compresses 1000:1 and passes', async () => {
    const blank = Buffer.alloc(RATIO_FLOOR_BYTES - 1, 0x20);
    const entries = await readZipContainer(writeZip([{ name: 'blank.txt', data: blank }], AT), LIMITS);
    expect(entries[0]!.data.length).toBe(RATIO_FLOOR_BYTES - 1);
    expect(entries[0]!.data.length / entries[0]!.compressedSize).toBeGreaterThan(200);
  });
});
