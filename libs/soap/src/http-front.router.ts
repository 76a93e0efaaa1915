import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';

/** The plain or TLS server an app is served by. */
export type AppServer = HttpServer | HttpsServer;

/** Serves one request taken before the app; `passOn` hands it to the app after all, as if never taken. */
export type FrontHandler = (req: IncomingMessage, res: ServerResponse, passOn: () => void) => void;

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** The POST paths each server serves before its app. */
const fronts = new WeakMap<AppServer, Map<string, FrontHandler>>();

/**
 * Takes the POST requests for exactly `path` (with or without a query string) from the server before
 * the request listeners it already has (an Express app) see them; every other request goes to them as
 * before. A framework's middleware chain and router cost as much main-thread time per request as the
 * SOAP endpoint's own work on it; requests that need none of that skip it. Call it after the server is
 * created with its app and before it serves; one server takes any number of paths.
 */
export function takePostsBeforeApp(server: AppServer, path: string, handler: FrontHandler): void {
  let routes = fronts.get(server);
  if (!routes) {
    const table = new Map<string, FrontHandler>();
    const listeners = server.listeners('request') as RequestListener[];
    server.removeAllListeners('request');
    const passOn = (req: IncomingMessage, res: ServerResponse) => {
      for (const listener of listeners) listener.call(server, req, res);
    };
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const taken = req.method === 'POST' ? table.get(pathOf(req.url)) : undefined;
      if (taken) taken(req, res, () => passOn(req, res));
      else passOn(req, res);
    });
    fronts.set(server, table);
    routes = table;
  }
  if (routes.has(path)) throw new Error(`POST ${path} is already taken before the app`);
  routes.set(path, handler);
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
