import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface MiddlewareProcess {
  baseUrl: string;
  output(): string;
  stop(): Promise<number | null>;
}

const ROOT = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '../../..');

/** Starts the built middleware (`npm run build` first) as its own process, as an operator would. */
export async function startMiddleware(env: Record<string, string>, entry = 'dist/apps/schnittstelle/src/main.js'): Promise<MiddlewareProcess> {
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, entry)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const started = await new Promise<boolean>((resolve) => {
    const deadline = Date.now() + 30_000;
    const timer = setInterval(() => {
      const running = / is running \(pid/.test(out);
      if (running || Date.now() > deadline) {
        clearInterval(timer);
        resolve(running);
      }
    }, 50);
    void exited.then(() => (clearInterval(timer), resolve(false)));
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  if (!started) {
    await stop();
    throw new Error(`middleware did not start:\n${out}`);
  }
  const baseUrl = /Health:\s+(\S+)\/health\/live/.exec(out)![1]!;
  return { baseUrl, output: () => out, stop };
}

/** Runs the built middleware to its end (for start-up failures) and returns exit code and output. */
export async function runMiddlewareToExit(env: Record<string, string>, timeoutMs = 20_000): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/apps/schnittstelle/src/main.js')], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, output };
}
