/**
 * The test suite's fake OpenAI/Anthropic upstream in its own process, so the
 * load generator and the upstream do not share an event loop. Prints its URL as
 * one JSON line on stdout; exits when stdin closes (the benchmark ended).
 */
import { startFakeUpstream } from './fake-upstream.js';

const apiKey = process.argv[2] ?? 'bench-key';
const upstream = await startFakeUpstream({ apiKey });
// The fake records every request for tests to inspect; under load that is only memory growth.
setInterval(() => {
  upstream.requests.length = 0;
}, 200).unref();
process.stdout.write(`${JSON.stringify({ url: upstream.url })}\n`);
process.stdin.resume();
process.stdin.on('end', () => void upstream.close().then(() => process.exit(0)));
