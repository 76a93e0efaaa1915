import { createServer } from 'node:http';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer of the stand-in. */
export type ChatAnswer =
  /** 200 with a chat completion whose message content is `JSON.stringify(json)`. */
  | { json: unknown; model?: string }
  /** 200 with a chat completion whose message content is this text, as is (invalid JSON, fenced JSON...). */
  | { content: string | null; finishReason?: 'stop' | 'length' | 'content_filter'; refusal?: string; model?: string }
  /** An error status with an OpenAI-style error body; `retryAfter` is sent as the Retry-After header. */
  | { status: number; message?: string; retryAfter?: string; retryAfterMs?: string }
  /**
   * Holds the request without answering until `release()` (then answers with `then`, default an error
   * status 500) or until the client goes away: for timeouts, aborts and heartbeats.
   */
  | { hold: true; then?: ChatAnswer }
  /** Destroys the connection without an answer (a crashed server or proxy). */
  | { hangUp: true };

export interface ChatRequest {
  /** 1, 2, ... in arrival order. */
  n: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (model, messages, response_format, ...). */
  body: any;
  /** What the stand-in answered: a status or 'hang-up'; undefined while it holds the request or after an abort. */
  answeredWith?: number | 'hang-up';
  /** True when the client closed the connection before an answer was sent (a real cancellation). */
  aborted: boolean;
}

export interface ChatCompletionsStandIn {
  /** Base URL for the SDK: `http://127.0.0.1:<port>/v1`. */
  baseURL: string;
  /** Every request that reached POST /v1/chat/completions, in order. */
  requests: ChatRequest[];
  /** Queues answers, used one per request in order. */
  answer(...answers: ChatAnswer[]): void;
  /** Requests held now (answer `{ hold: true }`), not yet released or aborted. */
  held(): number;
  /** Answers every held request with its `then`. */
  release(): void;
  close(): Promise<void>;
}

export interface ChatCompletionsStandInOptions {
  /**
   * Answer when nothing is queued, fixed or chosen from the request (for pipelines whose steps arrive in
   * any order); default HTTP 400 "no answer scripted", so a missing script shows at once.
   */
  otherwise?: ChatAnswer | ((request: ChatRequest) => ChatAnswer);
}

interface Held {
  request: ChatRequest;
  res: ServerResponse;
  then: ChatAnswer;
}

/**
 * A server speaking the OpenAI chat-completions wire format, for tests of OpenAI-compatible providers
 * through the real SDK: POST /v1/chat/completions answers from a script (JSON content, raw content,
 * error statuses with Retry-After, held answers, hang-ups) and records every request. Listens on
 * 127.0.0.1 only, on a free port.
 */
export async function startChatCompletionsStandIn(options: ChatCompletionsStandInOptions = {}): Promise<ChatCompletionsStandIn> {
  const script: ChatAnswer[] = [];
  const requests: ChatRequest[] = [];
  let held: Held[] = [];
  const fallback = options.otherwise ?? { status: 400, message: 'stand-in: no answer scripted' };
  const otherwise = (request: ChatRequest): ChatAnswer => (typeof fallback === 'function' ? fallback(request) : fallback);

  const send = (request: ChatRequest, res: ServerResponse, answer: ChatAnswer) => {
    if (res.destroyed || res.writableEnded) return;
    if ('hangUp' in answer) {
      request.answeredWith = 'hang-up';
      res.socket?.destroy();
      return;
    }
    if ('hold' in answer) {
      held.push({ request, res, then: answer.then ?? { status: 500, message: 'stand-in: held request released without an answer' } });
      return;
    }
    if ('status' in answer) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (answer.retryAfter !== undefined) headers['retry-after'] = answer.retryAfter;
      if (answer.retryAfterMs !== undefined) headers['retry-after-ms'] = answer.retryAfterMs;
      request.answeredWith = answer.status;
      res.writeHead(answer.status, headers);
      res.end(JSON.stringify({ error: { message: answer.message ?? `stand-in status ${answer.status}`, type: errorType(answer.status), param: null, code: null } }));
      return;
    }
    const content = 'json' in answer ? JSON.stringify(answer.json) : answer.content;
    const finishReason = 'json' in answer ? 'stop' : (answer.finishReason ?? 'stop');
    const refusal = 'json' in answer ? null : (answer.refusal ?? null);
    request.answeredWith = 200;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: `chatcmpl-standin-${request.n}`,
        object: 'chat.completion',
        created: 1_767_225_600,
        model: answer.model ?? request.body?.model ?? 'stand-in',
        choices: [{ index: 0, message: { role: 'assistant', content, refusal }, finish_reason: finishReason, logprobs: null }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      }),
    );
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `stand-in: no route ${req.method} ${req.url}`, type: 'invalid_request_error' } }));
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      const request: ChatRequest = { n: requests.length + 1, method: req.method, path: req.url, headers: req.headers, body, aborted: false };
      requests.push(request);
      res.on('close', () => {
        if (!res.writableEnded && request.answeredWith !== 'hang-up') {
          request.aborted = true;
          held = held.filter((entry) => entry.res !== res);
        }
      });
      send(request, res, script.shift() ?? otherwise(request));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    answer: (...answers) => {
      script.push(...answers);
    },
    held: () => held.length,
    release: () => {
      const releasing = held;
      held = [];
      for (const entry of releasing) send(entry.request, entry.res, entry.then);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Held requests and idle keep-alive sockets would keep close() waiting.
        server.closeAllConnections();
      }),
  };
}

function errorType(status: number): string {
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}
