/** The SDKs' transport (src/providers/pooled-fetch.ts) behaves as fetch does where the SDKs and our error mapping look. */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createPooledFetch } from '../../src/providers/pooled-fetch.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server;
let base: string;
const routes = new Map<string, Handler>();
const connections = new Set<unknown>();
const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const handler = routes.get(req.url ?? '');
      if (handler) handler(req, res, body);
      else res.writeHead(404).end();
    });
  });
  server.on('connection', (socket) => connections.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

routes.set('/json', (_req, res, body) => {
  res.writeHead(200, [
    ['content-type', 'application/json'],
    ['x-multi', 'a'],
    ['x-multi', 'b'],
  ]);
  res.end(JSON.stringify({ echo: body }));
});
routes.set('/bom', (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"ok":true}')]));
});
routes.set('/gzip', (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
  res.end(gzipSync(Buffer.from('{"zipped":"yes"}')));
});
routes.set('/redirect', (_req, res) => {
  res.writeHead(307, { location: '/json' });
  res.end();
});
routes.set('/empty', (_req, res) => {
  res.writeHead(204);
  res.end();
});
routes.set('/error', (_req, res) => {
  res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3' });
  res.end('{"error":{"message":"slow down"}}');
});
let releaseStream: (() => void) | undefined;
routes.set('/sse', (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write('data: first\n\n');
  releaseStream = () => res.end('data: second\n\n');
});
routes.set('/hang', () => {
  // Never answers: only an abort ends this call.
});

const post = (body: string) => ({
  method: 'POST',
  headers: new Headers({ 'content-type': 'application/json', authorization: 'Bearer k' }),
  body,
});

describe('pooled fetch', () => {
  it('sends the method, headers and body as given, with their length, and answers with a platform Response', async () => {
    const fetch = createPooledFetch();
    const response = await fetch(`${base}/json`, post('{"a":1}'));
    assert.ok(response instanceof Response);
    assert.equal(response.status, 200);
    assert.equal(response.ok, true);
    assert.equal(response.headers.get('x-multi'), 'a, b');
    assert.equal(response.bodyUsed, false);
    assert.deepEqual(await response.json(), { echo: '{"a":1}' });
    assert.equal(response.bodyUsed, true);
    await assert.rejects(response.text(), TypeError);
    const request = seen.at(-1)!;
    assert.equal(request.method, 'POST');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers['authorization'], 'Bearer k');
    assert.equal(request.headers['content-length'], '7');
    assert.equal(request.headers['accept-encoding'], 'gzip, deflate');
  });

  it('keeps the connection for the next call', async () => {
    const fetch = createPooledFetch();
    const before = connections.size;
    for (let i = 0; i < 3; i++) await (await fetch(`${base}/json`, post('{}'))).text();
    assert.equal(connections.size, before + 1);
  });

  it('reads bodies as fetch does: BOM dropped, gzip decoded, bytes, stream and clone', async () => {
    const fetch = createPooledFetch();
    assert.deepEqual(await (await fetch(`${base}/bom`, post('{}'))).json(), { ok: true });
    assert.deepEqual(await (await fetch(`${base}/gzip`, post('{}'))).json(), { zipped: 'yes' });
    const bytes = await (await fetch(`${base}/json`, post('x'))).arrayBuffer();
    assert.equal(Buffer.from(bytes).toString(), '{"echo":"x"}');
    const streamed = await fetch(`${base}/json`, post('y'));
    assert.equal(await new Response(streamed.body).text(), '{"echo":"y"}');
    assert.equal(streamed.bodyUsed, true);
    const original = await fetch(`${base}/json`, post('z'));
    const copy = original.clone();
    assert.equal(await copy.text(), '{"echo":"z"}');
    assert.equal(await original.text(), '{"echo":"z"}');
  });

  it('passes error statuses through with their headers and body', async () => {
    const response = await createPooledFetch()(`${base}/error`, post('{}'));
    assert.equal(response.status, 429);
    assert.equal(response.ok, false);
    assert.equal(response.headers.get('retry-after'), '3');
    assert.equal(await response.text(), '{"error":{"message":"slow down"}}');
  });

  it('follows a redirect, and gives a 204 no body', async () => {
    const fetch = createPooledFetch();
    const redirected = await fetch(`${base}/redirect`, post('r'));
    assert.equal(redirected.status, 200);
    assert.deepEqual(await redirected.json(), { echo: 'r' });
    const empty = await fetch(`${base}/empty`, post('{}'));
    assert.equal(empty.status, 204);
    assert.equal(empty.body, null);
  });

  it('hands an event stream over as it arrives', async () => {
    const response = await createPooledFetch()(`${base}/sse`, post('{}'));
    const reader = response.body!.getReader();
    const first = await reader.read();
    assert.equal(Buffer.from(first.value).toString(), 'data: first\n\n');
    releaseStream!();
    let rest = '';
    for (let next = await reader.read(); !next.done; next = await reader.read()) rest += Buffer.from(next.value).toString();
    assert.equal(rest, 'data: second\n\n');
  });

  it('an abort before the answer rejects with an AbortError; during a stream, the body fails with it', async () => {
    const fetch = createPooledFetch();
    const early = new AbortController();
    const pending = fetch(`${base}/hang`, { ...post('{}'), signal: early.signal });
    setTimeout(() => early.abort(), 20);
    await assert.rejects(pending, (error: Error) => error.name === 'AbortError');
    await assert.rejects(
      fetch(`${base}/json`, { ...post('{}'), signal: AbortSignal.abort() }),
      (error: Error) => error.name === 'AbortError',
    );

    const late = new AbortController();
    const response = await fetch(`${base}/sse`, { ...post('{}'), signal: late.signal });
    const reader = response.body!.getReader();
    await reader.read();
    late.abort();
    await assert.rejects(reader.read(), (error: Error) => error.name === 'AbortError');
  });

  it('a refused connection rejects as fetch does: TypeError "fetch failed" with the cause', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(createPooledFetch()(`http://127.0.0.1:${port}/x`, post('{}')), (error: Error) => {
      assert.ok(error instanceof TypeError);
      assert.equal(error.message, 'fetch failed');
      assert.equal((error.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
      return true;
    });
  });

  it('leaves what it does not handle to the global fetch', async () => {
    const response = await createPooledFetch()(new URL(`${base}/json`), {
      method: 'POST',
      body: new URLSearchParams({ q: '1' }),
    });
    assert.deepEqual(await response.json(), { echo: 'q=1' });
    assert.equal(seen.at(-1)!.headers['content-type'], 'application/x-www-form-urlencoded;charset=UTF-8');
  });
});
