import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/**
 * The request through Node's own objects where @hono/node-server provides them.
 *
 * Why: node-server hands Hono a lightweight Request and builds the real WHATWG
 * one (an AbortController, a Headers list, a web stream over the socket) the
 * first time anything touches `body`, `signal` or a body reader. Hono's
 * bodyLimit touches `body` on every request and the proxy read `signal`, so
 * every call paid for it; the proxy profile showed it at about a tenth of the
 * service's CPU per explicit-model call. Reading the Node request directly
 * gives the same bytes, the same limits and the same abort, without it.
 *
 * Under `app.request()` (tests, no socket) there are no Node objects and
 * everything goes through the Request as before.
 */
interface NodeBindings {
  incoming: IncomingMessage;
  outgoing: ServerResponse;
}

function nodeBindings(c: Context): NodeBindings | undefined {
  const env = c.env as Partial<NodeBindings> | undefined;
  return env?.incoming !== undefined && env.outgoing !== undefined ? (env as NodeBindings) : undefined;
}

/** Requests whose body may be read straight from the socket: their size was checked against `content-length`. */
const checkedByLength = new WeakSet<Request>();

/**
 * Hono's bodyLimit, with its header-only case answered from Node's headers. A
 * body without a usable `content-length` (chunked) still goes through Hono's
 * middleware, which counts the bytes as they arrive.
 */
export function requestBodyLimit(options: {
  maxSize: number;
  onError: (c: Context) => Response | Promise<Response>;
}): MiddlewareHandler {
  const counted = bodyLimit(options);
  return async function limitBody(c, next) {
    const node = nodeBindings(c);
    if (node === undefined) return counted(c, next);
    const { method, headers } = node.incoming;
    if (method === 'GET' || method === 'HEAD') return next();
    const length = headers['content-length'];
    if (length === undefined || headers['transfer-encoding'] !== undefined) return counted(c, next);
    // Same test as Hono's: the declared length against the limit (Node's parser holds the body to that length).
    if (Number.parseInt(length || '0', 10) > options.maxSize) return options.onError(c);
    checkedByLength.add(c.req.raw);
    return next();
  };
}

/** The whole request body. */
export async function readRequestBytes(c: Context): Promise<Uint8Array> {
  const node = nodeBindings(c);
  if (node === undefined || !checkedByLength.has(c.req.raw)) return new Uint8Array(await c.req.arrayBuffer());
  const { incoming } = node;
  // Someone else already took the body: let the Request report that as it would.
  if (incoming.readableEnded || incoming.destroyed) return new Uint8Array(await c.req.arrayBuffer());
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
    };
    const cleanup = (): void => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('aborted', onAborted);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onAborted = (): void => onError(new Error('the client closed the request while sending its body'));
    incoming.on('data', onData);
    incoming.once('end', onEnd);
    incoming.once('error', onError);
    incoming.once('aborted', onAborted);
  });
}

const signals = new WeakMap<Context, AbortSignal>();

/**
 * Aborts when the client goes away before the answer is complete: the same
 * rule, and the same reasons, as node-server's own signal on `c.req.raw`.
 */
export function clientSignal(c: Context): AbortSignal {
  const node = nodeBindings(c);
  if (node === undefined) return c.req.raw.signal;
  let signal = signals.get(c);
  if (signal === undefined) {
    const controller = new AbortController();
    const { incoming, outgoing } = node;
    outgoing.once('close', () => {
      if (incoming.errored) controller.abort(incoming.errored.toString());
      else if (!outgoing.writableFinished) controller.abort('Client connection prematurely closed.');
    });
    signal = controller.signal;
    signals.set(c, signal);
  }
  return signal;
}

/**
 * Runs `work` after node-server has written the response this turn (in the
 * turn's check phase; a request that arrives later is read in a later turn,
 * so it already sees the effect). Without a socket (`app.request()`), at once.
 */
export function afterResponse(c: Context, work: () => void): void {
  if (nodeBindings(c) === undefined) work();
  else setImmediate(work);
}
