import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PermanentError } from '@app/contracts';
import { defineConnector } from '../sdk/index.js';
import type { ConnectorContext } from '../sdk/index.js';
import { XTA2_CONNECTOR_NAME, XTA2_WSDL_PATH } from './xta2.constants.js';
import { Xta2Client } from './xta2.client.js';
import type { Xta2TlsOptions } from './xta2.client.js';
import { resolveXta2Endpoints, xta2OptionsSchema } from './xta2.options.js';
import type { Xta2Options } from './xta2.options.js';
import { Xta2Poller } from './xta2.poller.js';
import { sendXta2 } from './xta2.sender.js';

/** Base64 takes 4 bytes for 3; the envelope and metadata around a message stay well below this margin. */
const RESPONSE_MARGIN_BYTES = 1024 * 1024;

async function readTls(ctx: ConnectorContext<Xta2Options>): Promise<Xta2TlsOptions | undefined> {
  const tls = ctx.options.tls;
  if (!tls) return undefined;
  const read = async (file: string, what: string) => {
    const full = path.resolve(ctx.configDir, file);
    try {
      return await readFile(full);
    } catch (error) {
      throw new PermanentError(`xta2 tls.${what} ${full} cannot be read (${(error as { code?: string }).code ?? 'unreadable'})`, 'xta2-config', { cause: error });
    }
  };
  return { cert: await read(tls.cert, 'cert'), key: await read(tls.key, 'key'), ...(tls.ca ? { ca: await read(tls.ca, 'ca') } : {}) };
}

async function createClient(ctx: ConnectorContext<Xta2Options>): Promise<Xta2Client> {
  const tls = await readTls(ctx);
  return Xta2Client.create({
    wsdlPath: path.join(ctx.contractsDir, XTA2_WSDL_PATH),
    endpoints: resolveXta2Endpoints(ctx.options),
    timeoutMs: ctx.options.timeoutMs,
    ...(tls ? { tls } : {}),
    maxResponseBytes: Math.ceil((ctx.limits.maxBytes * 4) / 3) + RESPONSE_MARGIN_BYTES,
  });
}

/** One client per route options object: the WSDL is read and parsed once, not per document. */
const senders = new WeakMap<object, Promise<Xta2Client>>();

function senderFor(ctx: ConnectorContext<Xta2Options>): Promise<Xta2Client> {
  let client = senders.get(ctx.options);
  if (!client) {
    client = createClient(ctx);
    senders.set(ctx.options, client);
    // A failed start (unreadable certificate) is not kept: the next document tries again.
    client.catch(() => senders.delete(ctx.options));
  }
  return client;
}

/**
 * XTA 2 (version 3.1.1), the transport of XÖV messages between German administrations. As a source it
 * polls the route's message box (getStatusList, getMessage, close once the document is taken in); as a
 * writeback it sends the results with sendMessage and an OSCI MessageMetaData header. See Xta2Poller for
 * what happens to messages that are not taken, and resolveSendMetaData for where each metadata field
 * comes from.
 */
export const xta2Connector = defineConnector<Xta2Options>({
  name: XTA2_CONNECTOR_NAME,
  description: 'XTA 2 (3.1.1): polls an XTA message box and sends results with OSCI MessageMetaData',
  options: xta2OptionsSchema,

  async receive(deliver, ctx, signal) {
    const endpoints = resolveXta2Endpoints(ctx.options);
    if (!endpoints.msgBox) throw new PermanentError('the xta2 source needs the MsgBoxPort address: set `baseUrl` or `endpoints.msgBox`', 'xta2-config');
    const client = await createClient(ctx);
    try {
      const poller = new Xta2Poller(client, {
        account: ctx.options.identifier,
        maxMessagesPerPoll: ctx.options.maxMessagesPerPoll,
        pollIntervalMs: ctx.options.pollIntervalMs,
        onRefused: ctx.options.onRefused,
        maxBytes: ctx.limits.maxBytes,
        log: ctx.log,
      });
      ctx.log.info(`xta2 source of route ${ctx.route.id} polls the box of ${ctx.options.identifier.type}:${ctx.options.identifier.id} at ${endpoints.msgBox}`);
      await poller.run(deliver, signal);
    } finally {
      client.dispose();
    }
  },

  async send(message, result, ctx) {
    return sendXta2(await senderFor(ctx), ctx.options, message, result, ctx.route.id);
  },
});
