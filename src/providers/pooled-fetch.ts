import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable, type Transform } from 'node:stream';
import { constants as zlib, createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/**
 * The transport under the official SDKs (their documented `fetch` option): the
 * SDK still builds the request (URL, auth and platform headers, JSON body),
 * reads the status, parses JSON and SSE, and raises its own error classes; this
 * only moves the bytes, over a keep-alive `node:http` agent per client.
 *
 * Why not the global fetch: on the proxy path undici's fetch was the largest
 * cost of a forwarded call (a WHATWG Request, Headers list, AbortSignal and web
 * stream per call, on top of the socket write), and it is what an explicit-model
 * call pays on every request (docs/performance.md, proxy profile).
 *
 * What it keeps from fetch, because the SDKs and our error mapping rely on it:
 * it resolves with a real `Response`; an abort rejects (or errors the body)
 * with the signal's reason, a DOMException named AbortError by default; a
 * network failure rejects with `TypeError('fetch failed', { cause })`; gzip,
 * deflate and br bodies are decoded (and asked for, as fetch does); redirects
 * and anything it does not handle itself (a non-http URL, a streaming or form
 * body, a Request object) go to the global fetch unchanged. A JSON answer is
 * read whole before the promise resolves (the SDK reads it whole anyway); an
 * SSE answer (`text/event-stream`) is handed over as it arrives.
 */
export type PooledFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface PooledFetchOptions {
  /** How long an idle connection is kept for the next call; the server's own keep-alive hint wins when shorter. */
  idleTimeoutMs?: number;
}

/**
 * Captured when this module loads, before `@hono/node-server` swaps the global
 * `Response` for its lightweight one (it does so in `serve()`): the SDKs get
 * the platform's own class.
 */
const PlatformResponse = globalThis.Response;

/** Statuses whose response has no body by definition (`new Response(body)` throws for them). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export function createPooledFetch(options: PooledFetchOptions = {}): PooledFetch {
  // undici's default keep-alive is 4 s; Node's agent also honours a shorter `keep-alive: timeout=` hint from the server.
  const agentOptions = { keepAlive: true, timeout: options.idleTimeoutMs ?? 4_000, noDelay: true };
  const agents = { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) };

  return function pooledFetch(input, init = {}) {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : undefined;
    const body = init.body;
    const plainBody = body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
    const https = url?.startsWith('https:') === true;
    if (url === undefined || !plainBody || !(https || url.startsWith('http:'))) return globalThis.fetch(input, init);
    return send(url, init, body, https ? agents.https : agents.http, https);
  };
}

function send(
  url: string,
  init: RequestInit,
  body: string | Uint8Array | null | undefined,
  agent: HttpAgent,
  https: boolean,
): Promise<Response> {
  const { signal } = init;
  const method = (init.method ?? 'GET').toUpperCase();
  const headers = outgoingHeaders(init.headers);
  if (headers['accept-encoding'] === undefined) headers['accept-encoding'] = https ? 'br, gzip, deflate' : 'gzip, deflate';
  if (body !== undefined && body !== null)
    headers['content-length'] = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  else if (method !== 'GET' && method !== 'HEAD') headers['content-length'] = 0;

  return new Promise<Response>((resolve, reject) => {
    const abortReason = (): unknown => signal?.reason ?? new DOMException('This operation was aborted', 'AbortError');
    // Like fetch, the promise rejects with the signal's reason, whatever its type.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    if (signal?.aborted) return reject(abortReason());

    let settled = false;
    let response: IncomingMessage | undefined;
    const onAbort = (): void => {
      const reason = abortReason();
      // Before the answer: reject. While its body is read or streamed: the body fails with the same reason.
      if (!settled) {
        settled = true;
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(reason);
      }
      if (response) response.destroy(reason as Error);
      request.destroy();
    };
    const release = (): void => signal?.removeEventListener('abort', onAbort);

    const request = (https ? httpsRequest : httpRequest)(url, { method, headers, agent }, (res) => {
      response = res;
      const status = res.statusCode ?? 0;
      if (REDIRECT_STATUSES.has(status) && res.headers.location !== undefined && init.redirect !== 'manual') {
        // fetch follows redirects; so does this, by handing the call to it (the body is a string, so it can be sent again).
        res.resume();
        release();
        settled = true;
        globalThis.fetch(url, init).then(resolve, reject);
        return;
      }
      const responseInit: ResponseInit = { status, statusText: res.statusMessage ?? '', headers: headerPairs(res.rawHeaders) };
      if (NULL_BODY_STATUSES.has(status) || method === 'HEAD') {
        res.resume();
        release();
        settled = true;
        return resolve(new PlatformResponse(null, responseInit));
      }
      const decoded = decode(res);
      decoded.once('close', release);
      if (/^text\/event-stream/i.test(res.headers['content-type'] ?? '')) {
        settled = true;
        return resolve(new PlatformResponse(Readable.toWeb(decoded) as ReadableStream<Uint8Array>, responseInit));
      }
      const chunks: Buffer[] = [];
      decoded.on('data', (chunk: Buffer) => chunks.push(chunk));
      decoded.once('end', () => {
        if (settled) return;
        settled = true;
        resolve(
          new BufferedResponse(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), responseInit) as unknown as Response,
        );
      });
      decoded.once('error', (error) => {
        if (settled) return;
        settled = true;
        reject(new TypeError('fetch failed', { cause: error }));
      });
    });
    request.once('error', (error) => {
      release();
      if (settled) return;
      settled = true;
      reject(new TypeError('fetch failed', { cause: error }));
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    request.end(body ?? undefined);
  });
}

/** Decodes as fetch's text() and json() do: UTF-8, a leading byte order mark dropped. */
const UTF8 = new TextDecoder();

/**
 * A `Response` over a body already in memory. `new Response(bytes)` wraps the
 * bytes in a web stream (a ReadableStream and its controller, made
 * transferable) only for `json()` to read them back out, on every call. This
 * one answers `text()`, `json()`, `arrayBuffer()` and `bytes()` from the bytes
 * with the same results (and the same "already read" error), and becomes a
 * platform Response over the same bytes the moment anything asks for the
 * stream, a blob, form data or a clone.
 */
// Typed as a bare constructor: the DOM typings declare Response's members as properties, which a subclass may not redefine as methods.
const ResponseBase = PlatformResponse as unknown as new (body: null, init: ResponseInit) => object;

class BufferedResponse extends ResponseBase {
  readonly #bytes: Buffer;
  readonly #init: ResponseInit;
  #used = false;
  #platform: Response | undefined;

  constructor(bytes: Buffer, init: ResponseInit) {
    super(null, init);
    this.#bytes = bytes;
    this.#init = init;
  }

  #take(): Buffer {
    if (this.#used) throw new TypeError('Body is unusable: Body has already been read');
    this.#used = true;
    return this.#bytes;
  }

  #asPlatform(): Response {
    // After a read the bytes are spent: the platform object gets no body, and bodyUsed stays true here.
    this.#platform ??= new PlatformResponse(this.#used ? null : this.#bytes, this.#init);
    return this.#platform;
  }

  get body(): ReadableStream<Uint8Array> | null {
    return this.#asPlatform().body;
  }

  get bodyUsed(): boolean {
    return this.#used || (this.#platform?.bodyUsed ?? false);
  }

  async text(): Promise<string> {
    if (this.#platform) return this.#platform.text();
    return UTF8.decode(this.#take());
  }

  async json(): Promise<unknown> {
    if (this.#platform) return this.#platform.json();
    return JSON.parse(UTF8.decode(this.#take())) as unknown;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    if (this.#platform) return this.#platform.arrayBuffer();
    const bytes = this.#take();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async bytes(): Promise<Uint8Array> {
    if (this.#platform) return new Uint8Array(await this.#platform.arrayBuffer());
    return new Uint8Array(this.#take());
  }

  blob(): Promise<Blob> {
    return this.#asPlatform().blob();
  }

  formData(): Promise<FormData> {
    return this.#asPlatform().formData();
  }

  clone(): Response {
    if (this.bodyUsed) throw new TypeError('Response.clone: Body has already been consumed.');
    return this.#asPlatform().clone();
  }
}

/** The SDKs pass a Headers object; a plain record or pairs are accepted too, as fetch accepts them. */
function outgoingHeaders(init: RequestInit['headers']): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  if (init === undefined) return headers;
  if (init instanceof Headers) {
    init.forEach((value, name) => {
      headers[name] = value;
    });
  } else if (Array.isArray(init)) {
    for (const [name, value] of init) if (name !== undefined && value !== undefined) headers[name.toLowerCase()] = value;
  } else {
    for (const [name, value] of Object.entries(init as Record<string, string>)) headers[name.toLowerCase()] = value;
  }
  return headers;
}

function headerPairs(raw: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  return pairs;
}

/**
 * Undoes one content coding as fetch does (gzip, x-gzip, deflate, br; anything
 * else, or several codings, is passed through as it came). Flushing on every
 * chunk keeps a compressed event stream flowing event by event.
 */
function decode(res: IncomingMessage): Readable {
  const coding = res.headers['content-encoding']?.trim().toLowerCase();
  let decoder: Transform | undefined;
  const flush = { flush: zlib.Z_SYNC_FLUSH, finishFlush: zlib.Z_SYNC_FLUSH };
  if (coding === 'gzip' || coding === 'x-gzip') decoder = createGunzip(flush);
  else if (coding === 'deflate') decoder = createInflate(flush);
  else if (coding === 'br')
    decoder = createBrotliDecompress({ flush: zlib.BROTLI_OPERATION_FLUSH, finishFlush: zlib.BROTLI_OPERATION_FLUSH });
  if (decoder === undefined) return res;
  res.once('error', (error) => decoder.destroy(error));
  decoder.once('close', () => {
    if (!res.destroyed) res.destroy();
  });
  return res.pipe(decoder);
}
