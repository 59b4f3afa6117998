import { Agent, request, type IncomingHttpHeaders } from 'node:http';

/** One keep-alive connection, as a client that reuses its connection sees the service. */
export function keepAliveAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: 1 });
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  ms: number;
}

/** One request on `agent`; resolves once the whole body has arrived (`ms` is the client-side round trip), rejects on a socket error. */
export function send(
  agent: Agent,
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      url,
      {
        method,
        agent,
        headers: {
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** POSTs JSON and resolves once the whole body has arrived; `ms` is the client-side round trip. */
export function postJson(agent: Agent, url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return send(agent, 'POST', url, body, headers);
}

/** Sends `count` requests one after another and returns their round-trip times; any non-2xx aborts the benchmark. */
export async function sequentialLatencies(
  agent: Agent,
  url: string,
  count: number,
  nextBody: () => unknown,
  headers: Record<string, string> = {},
  onReply?: (reply: Reply) => void,
): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const reply = await postJson(agent, url, nextBody(), headers);
    if (reply.status < 200 || reply.status >= 300)
      throw new Error(`${url} answered ${reply.status}: ${reply.body.slice(0, 300)}`);
    samples.push(reply.ms);
    onReply?.(reply);
  }
  return samples;
}
