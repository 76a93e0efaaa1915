import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PermanentError, RetryableError } from '@app/contracts';
import { FolderOutbox } from './folder-outbox.producer.js';

describe('FolderOutbox', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'outbox-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes into the route folder, creating it, and returns the final path', async () => {
    const path = await new FolderOutbox(root).write('akten', 'ergebnis.xml', '<Result>ä</Result>');
    expect(path).toBe(join(root, 'akten', 'ergebnis.xml'));
    expect(await readFile(path, 'utf8')).toBe('<Result>ä</Result>');
  });

  it('takes a Buffer as it is', async () => {
    const bytes = Buffer.from([0, 1, 2, 255]);
    const path = await new FolderOutbox(root).write('akten', 'daten.bin', bytes);
    expect(await readFile(path)).toEqual(bytes);
  });

  it('leaves no temp file behind', async () => {
    const outbox = new FolderOutbox(root);
    await outbox.write('akten', 'a.xml', 'a');
    await outbox.write('akten', 'b.xml', 'b');
    expect((await readdir(join(root, 'akten'))).sort()).toEqual(['a.xml', 'b.xml']);
  });

  it('overwrites the same name, so a retried write-back is harmless', async () => {
    const outbox = new FolderOutbox(root);
    await outbox.write('akten', 'ergebnis.xml', 'first attempt, longer content');
    const path = await outbox.write('akten', 'ergebnis.xml', 'retry');
    expect(await readFile(path, 'utf8')).toBe('retry');
    expect(await readdir(join(root, 'akten'))).toEqual(['ergebnis.xml']);
  });

  it('writes many files at once without mixing them up', async () => {
    const outbox = new FolderOutbox(root);
    await Promise.all(Array.from({ length: 20 }, (_, i) => outbox.write('akten', `f${i}.txt`, `content ${i}`)));
    for (let i = 0; i < 20; i++) expect(await readFile(join(root, 'akten', `f${i}.txt`), 'utf8')).toBe(`content ${i}`);
  });

  it.each(['../escape.xml', 'sub/file.xml', 'sub\\file.xml', '..', '.', '', 'a..b', 'nul\u0000.xml', 'C:evil', 'x'.repeat(256)])(
    'refuses the filename %j',
    async (filename) => {
      await expect(new FolderOutbox(root).write('akten', filename, 'x')).rejects.toBeInstanceOf(PermanentError);
      expect(await readdir(root)).toEqual([]);
    },
  );

  it.each(['../akten', 'a/b', '..'])('refuses the route id %j', async (routeId) => {
    await expect(new FolderOutbox(root).write(routeId, 'ok.xml', 'x')).rejects.toBeInstanceOf(PermanentError);
  });

  it('reports a write that fails as retryable and cleans up', async () => {
    // A file where the route folder should be: the folder cannot be created.
    await writeFile(join(root, 'akten'), 'in the way');
    await expect(new FolderOutbox(root).write('akten', 'ergebnis.xml', 'x')).rejects.toBeInstanceOf(RetryableError);
    await rm(join(root, 'akten'));
    await mkdir(join(root, 'akten'));
    // A directory in place of the target: the rename fails after the temp file was written.
    await mkdir(join(root, 'akten', 'ergebnis.xml'));
    await writeFile(join(root, 'akten', 'ergebnis.xml', 'keep'), 'x');
    await expect(new FolderOutbox(root).write('akten', 'ergebnis.xml', 'x')).rejects.toBeInstanceOf(RetryableError);
    expect(await readdir(join(root, 'akten'))).toEqual(['ergebnis.xml']);
  });
});
