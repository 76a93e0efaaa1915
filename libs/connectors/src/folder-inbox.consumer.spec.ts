import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { PermanentError, UnavailableError } from '@app/contracts';
import { FolderInbox } from './folder-inbox.consumer.js';
import type { FolderInboxOptions, InboxEvent, InboxFile } from './folder-inbox.consumer.js';

/** Waits until `condition` holds, checking every few milliseconds, and gives up after a bound. */
async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function list(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

describe('FolderInbox', () => {
  let root: string;
  let inboxes: FolderInbox[];
  let received: InboxFile[];
  let events: InboxEvent[];

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'inbox-'));
    inboxes = [];
    received = [];
    events = [];
  });

  afterEach(async () => {
    await Promise.all(inboxes.map((inbox) => inbox.stop()));
    await rm(root, { recursive: true, force: true });
  });

  /** Polls only when a test says so, unless it asks for a short interval. */
  function inbox(options: Partial<FolderInboxOptions> = {}): FolderInbox {
    const created = new FolderInbox({
      root,
      routes: ['akten'],
      pollIntervalMs: 3_600_000,
      stableForMs: 0,
      handler: async (file) => {
        received.push(file);
      },
      onEvent: (event) => events.push(event),
      ...options,
    });
    inboxes.push(created);
    return created;
  }

  const drop = (name: string, content: string | Buffer = 'x', route = 'akten') => writeFile(join(root, route, name), content);

  it('creates the drop, processed, failed and work folders on start', async () => {
    await inbox({ routes: ['akten', 'post'] }).start();
    for (const route of ['akten', 'post']) expect(await list(join(root, route))).toEqual(['.work', 'failed', 'processed']);
  });

  it('takes a file seen unchanged in two scans, hands it over and moves it to processed/', async () => {
    const consumer = inbox();
    await consumer.start();
    await drop('antrag.xml', '<a>Ä</a>');

    await consumer.scanOnce();
    expect(received).toHaveLength(0);
    await consumer.scanOnce();

    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ routeId: 'akten', filename: 'antrag.xml' });
    expect(received[0]!.content.toString('utf8')).toBe('<a>Ä</a>');
    expect(received[0]!.receivedAt).toBeInstanceOf(Date);
    expect(await list(join(root, 'akten', 'processed'))).toEqual(['antrag.xml']);
    expect(await list(join(root, 'akten'))).toEqual(['.work', 'failed', 'processed']);
    expect(await list(join(root, 'akten', '.work'))).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(['taken', 'processed']);
  });

  it('does not take a file that is still growing', async () => {
    const consumer = inbox();
    await consumer.start();
    await drop('gross.xml', 'teil 1');
    await consumer.scanOnce();
    await appendFile(join(root, 'akten', 'gross.xml'), ' teil 2');
    await consumer.scanOnce();
    expect(received).toHaveLength(0);
    await consumer.scanOnce();
    expect(received.map((f) => f.content.toString())).toEqual(['teil 1 teil 2']);
  });

  it('waits until the file has been unchanged for stableForMs', async () => {
    const consumer = inbox({ stableForMs: 3_600_000 });
    await consumer.start();
    await drop('antrag.xml');
    await consumer.scanOnce();
    await consumer.scanOnce();
    await consumer.scanOnce();
    expect(received).toHaveLength(0);
    expect(await list(join(root, 'akten'))).toContain('antrag.xml');
  });

  it('ignores dot files, directories and names of files still being written', async () => {
    const consumer = inbox();
    await consumer.start();
    const ignored = ['.hidden', 'a.tmp', 'b.part', 'c.partial', 'd.crdownload', 'e.xml~', 'F.TMP'];
    for (const name of ignored) await drop(name);
    await mkdir(join(root, 'akten', 'unterordner'));
    await consumer.scanOnce();
    await consumer.scanOnce();
    expect(received).toHaveLength(0);

    // A writer that writes under a temporary name and renames is picked up after the rename.
    await rename(join(root, 'akten', 'b.part'), join(root, 'akten', 'b.xml'));
    await consumer.scanOnce();
    await consumer.scanOnce();
    expect(received.map((f) => f.filename)).toEqual(['b.xml']);
    expect(await list(join(root, 'akten'))).toEqual(['.hidden', '.work', 'F.TMP', 'a.tmp', 'c.partial', 'd.crdownload', 'e.xml~', 'failed', 'processed', 'unterordner']);
  });

  it('keeps an earlier processed file of the same name by prefixing a timestamp', async () => {
    const consumer = inbox();
    await consumer.start();
    for (const content of ['erste', 'zweite']) {
      await drop('antrag.xml', content);
      await consumer.scanOnce();
      await consumer.scanOnce();
    }
    const processed = await list(join(root, 'akten', 'processed'));
    expect(processed).toHaveLength(2);
    expect(processed).toContain('antrag.xml');
    const renamed = processed.find((name) => name !== 'antrag.xml')!;
    expect(renamed).toMatch(/^\d{4}-\d{2}-\d{2}T[\d-]+Z(-\d+)?_antrag\.xml$/);
    expect(await readFile(join(root, 'akten', 'processed', 'antrag.xml'), 'utf8')).toBe('erste');
    expect(await readFile(join(root, 'akten', 'processed', renamed), 'utf8')).toBe('zweite');
  });

  it('moves a permanently failing file to failed/ with a reason file and no stack', async () => {
    const consumer = inbox({
      handler: async () => {
        throw new PermanentError('not an XÖV message:\nroot element <foo> is unknown', 'not-xoev');
      },
    });
    await consumer.start();
    await drop('kaputt.xml');
    await consumer.scanOnce();
    await consumer.scanOnce();

    expect(await list(join(root, 'akten', 'failed'))).toEqual(['kaputt.xml', 'kaputt.xml.reason.txt']);
    const reason = await readFile(join(root, 'akten', 'failed', 'kaputt.xml.reason.txt'), 'utf8');
    expect(reason).toMatch(/^time: \d{4}-\d{2}-\d{2}T.*Z\ncode: not-xoev\nmessage: not an XÖV message: root element <foo> is unknown\n$/);
    expect(reason).not.toContain('    at ');
    expect(events.at(-1)).toEqual({ type: 'failed', routeId: 'akten', filename: 'kaputt.xml', reason: 'not-xoev: not an XÖV message: root element <foo> is unknown' });
    expect(await list(join(root, 'akten', '.work'))).toEqual([]);
  });

  it('puts a file back into the drop folder on a retryable error and takes it again later', async () => {
    let attempts = 0;
    const consumer = inbox({
      handler: async (file) => {
        attempts++;
        if (attempts === 1) throw new UnavailableError('Redis does not answer');
        received.push(file);
      },
    });
    await consumer.start();
    await drop('antrag.xml', 'inhalt');
    await consumer.scanOnce();
    await consumer.scanOnce();

    expect(attempts).toBe(1);
    expect(await list(join(root, 'akten'))).toContain('antrag.xml');
    expect(events.map((e) => e.type)).toEqual(['taken', 'requeued']);
    expect(events[1]!.reason).toBe('unavailable: Redis does not answer');

    // Has to look stable again: two more scans.
    await consumer.scanOnce();
    expect(attempts).toBe(1);
    await consumer.scanOnce();
    expect(attempts).toBe(2);
    expect(received[0]!.content.toString()).toBe('inhalt');
    expect(await list(join(root, 'akten', 'processed'))).toEqual(['antrag.xml']);
  });

  it('treats a plain Error as retryable', async () => {
    const consumer = inbox({
      handler: async () => {
        throw new Error('ECONNREFUSED');
      },
    });
    await consumer.start();
    await drop('antrag.xml');
    await consumer.scanOnce();
    await consumer.scanOnce();
    expect(events.map((e) => e.type)).toEqual(['taken', 'requeued']);
    expect(await list(join(root, 'akten', 'failed'))).toEqual([]);
  });

  it('returns files left in .work/ by a crash to the drop folder on start', async () => {
    await mkdir(join(root, 'akten', '.work'), { recursive: true });
    await writeFile(join(root, 'akten', '.work', 'halb.xml'), 'von vorher');
    const consumer = inbox();
    await consumer.start();
    expect(await list(join(root, 'akten', '.work'))).toEqual([]);
    expect(await list(join(root, 'akten'))).toContain('halb.xml');
    expect(events).toEqual([expect.objectContaining({ type: 'requeued', filename: 'halb.xml' })]);

    await consumer.scanOnce();
    await consumer.scanOnce();
    expect(received.map((f) => f.content.toString())).toEqual(['von vorher']);
  });

  it('hands each file over exactly once when scans of one inbox are asked for at the same time', async () => {
    const consumer = inbox();
    await consumer.start();
    for (let i = 0; i < 10; i++) await drop(`f${i}.xml`, `${i}`);
    await Promise.all([consumer.scanOnce(), consumer.scanOnce(), consumer.scanOnce(), consumer.scanOnce()]);
    expect(received.map((f) => f.filename).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `f${i}.xml`).sort());
  });

  it('hands each file over exactly once when two inboxes poll the same folder', async () => {
    const seenBy: Record<string, number> = {};
    const handler = async (file: InboxFile) => {
      seenBy[file.filename] = (seenBy[file.filename] ?? 0) + 1;
      await nextTurn();
    };
    const a = inbox({ handler });
    const b = inbox({ handler });
    await a.start();
    await b.start();
    const names = Array.from({ length: 30 }, (_, i) => `f${String(i).padStart(2, '0')}.xml`);
    for (const name of names) await drop(name, name);
    await Promise.all([a.scanOnce(), b.scanOnce()]);
    await Promise.all([a.scanOnce(), b.scanOnce()]);
    await Promise.all([a.scanOnce(), b.scanOnce()]);

    expect(Object.keys(seenBy).sort()).toEqual(names);
    expect(Object.values(seenBy).every((count) => count === 1)).toBe(true);
    expect(await list(join(root, 'akten', 'processed'))).toEqual(names);
  });

  it('keeps routes apart', async () => {
    const consumer = inbox({ routes: ['akten', 'post'] });
    await consumer.start();
    await drop('a.xml', 'a', 'akten');
    await drop('p.xml', 'p', 'post');
    await consumer.scanOnce();
    await consumer.scanOnce();
    expect(received.map((f) => [f.routeId, f.filename]).sort()).toEqual([
      ['akten', 'a.xml'],
      ['post', 'p.xml'],
    ]);
    expect(await list(join(root, 'post', 'processed'))).toEqual(['p.xml']);
  });

  it('does not strand a file when an event listener throws', async () => {
    const errors: unknown[] = [];
    const consumer = inbox({
      onEvent: () => {
        throw new Error('listener broke');
      },
      onError: (error) => errors.push(error),
    });
    await consumer.start();
    await drop('antrag.xml');
    await consumer.scanOnce();
    await consumer.scanOnce();
    expect(await list(join(root, 'akten', 'processed'))).toEqual(['antrag.xml']);
    expect(errors).toHaveLength(2);
  });

  it('polls on its own once started, and stops', async () => {
    const consumer = inbox({ pollIntervalMs: 5 });
    await consumer.start();
    await drop('antrag.xml', 'von selbst');
    await waitFor(async () => (await readdir(join(root, 'akten', 'processed'))).length === 1, 'the file to be processed');
    expect(received.map((f) => f.content.toString())).toEqual(['von selbst']);
    await consumer.stop();

    await drop('spaeter.xml');
    for (let i = 0; i < 20; i++) await nextTurn();
    await consumer.scanOnce();
    expect(await list(join(root, 'akten'))).toContain('spaeter.xml');
    expect(received).toHaveLength(1);
  });

  it('can be started again after a stop, and start() twice polls once', async () => {
    const consumer = inbox({ pollIntervalMs: 5 });
    await Promise.all([consumer.start(), consumer.start()]);
    await consumer.stop();
    await consumer.start();
    await drop('antrag.xml');
    await waitFor(async () => (await readdir(join(root, 'akten', 'processed'))).length === 1, 'the file to be processed');
    expect(received).toHaveLength(1);
  });

  it('waits in stop() for the file in hand and then takes no more', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered = 0;
    const consumer = inbox({
      pollIntervalMs: 5,
      handler: async (file) => {
        entered++;
        await gate;
        received.push(file);
      },
    });
    await mkdir(join(root, 'akten'));
    await drop('a.xml');
    await drop('b.xml');
    await consumer.start();
    await waitFor(() => entered === 1, 'the handler to start');

    let stopped = false;
    const stopping = consumer.stop().then(() => (stopped = true));
    for (let i = 0; i < 20; i++) await nextTurn();
    expect(stopped).toBe(false);

    release();
    await stopping;
    expect(entered).toBe(1);
    expect(await list(join(root, 'akten', 'processed'))).toEqual(['a.xml']);
    expect(await list(join(root, 'akten'))).toContain('b.xml');
  });
});
