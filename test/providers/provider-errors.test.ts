import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startDeadline } from '../../src/providers/deadline.js';
import { parseRetryAfter, redactSecrets, toProviderError, type UpstreamFailure } from '../../src/providers/provider-errors.js';
import { isRetryableStatus, ProviderError } from '../../src/providers/types.js';
import { manualTimers } from '../support/manual-timers.js';

describe('isRetryableStatus and ProviderError.fromStatus', () => {
  const table: [number, boolean, ProviderError['kind']][] = [
    [400, false, 'client'],
    [401, false, 'client'],
    [403, false, 'client'],
    [404, false, 'client'],
    [408, true, 'timeout'],
    [409, true, 'client'],
    [413, false, 'client'],
    [422, false, 'client'],
    [429, true, 'rate_limited'],
    [500, true, 'server'],
    [502, true, 'server'],
    [503, true, 'server'],
    [529, true, 'server'],
  ];
  for (const [status, retryable, kind] of table) {
    it(`${status}: retryable ${retryable}, kind ${kind}`, () => {
      assert.equal(isRetryableStatus(status), retryable);
      const error = ProviderError.fromStatus(status, 'm');
      assert.equal(error.retryable, retryable);
      assert.equal(error.kind, kind);
      assert.equal(error.status, status);
    });
  }
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-06-01T12:00:00Z');
  const cases: [Record<string, string>, number | undefined][] = [
    [{ 'retry-after': '7' }, 7000],
    [{ 'retry-after': '1.5' }, 1500],
    [{ 'retry-after-ms': '250', 'retry-after': '7' }, 250],
    [{ 'retry-after': 'Sun, 01 Jun 2025 12:00:30 GMT' }, 30_000],
    [{ 'retry-after': 'Sun, 01 Jun 2025 11:00:00 GMT' }, 0],
    [{ 'retry-after': 'soon' }, undefined],
    [{ 'retry-after': '-3' }, undefined],
    [{}, undefined],
  ];
  for (const [headers, expected] of cases) {
    it(`${JSON.stringify(headers)} -> ${String(expected)}`, () =>
      assert.equal(parseRetryAfter(new Headers(headers), now), expected));
  }
});

describe('redactSecrets', () => {
  it('removes every occurrence, plain and URL-encoded', () => {
    const key = 'sk-test/abc+def';
    assert.equal(
      redactSecrets(`key ${key} and ${key} and ${encodeURIComponent(key)}`, [key]),
      'key [redacted] and [redacted] and [redacted]',
    );
  });
  it('ignores empty secrets', () => {
    assert.equal(redactSecrets('text', ['']), 'text');
  });
});

describe('toProviderError', () => {
  const describe = (failure: UpstreamFailure | undefined) => () => failure;

  it('a timed-out deadline wins over what the SDK says (it sees a plain abort)', () => {
    const timers = manualTimers();
    const deadline = startDeadline(new AbortController().signal, 10, timers);
    timers.advance(10);
    const error = toProviderError(new Error('aborted'), { deadline, secrets: [], describe: describe({ type: 'abort' }) });
    assert.equal(error.kind, 'timeout');
    assert.equal(error.retryable, true);
    deadline.dispose();
  });

  it('a parent abort is aborted and not retryable', () => {
    const parent = new AbortController();
    const deadline = startDeadline(parent.signal, 10_000);
    parent.abort();
    const error = toProviderError(new Error('aborted'), { deadline, secrets: [], describe: describe({ type: 'abort' }) });
    assert.equal(error.kind, 'aborted');
    assert.equal(error.retryable, false);
    assert.equal(deadline.timedOut, false);
    deadline.dispose();
  });

  it('an unknown error is a retryable connection error, redacted', () => {
    const deadline = startDeadline(new AbortController().signal, 10_000);
    const error = toProviderError(new TypeError('terminated', { cause: new Error('other side closed sk-test-x') }), {
      deadline,
      secrets: ['sk-test-x'],
      describe: describe(undefined),
    });
    assert.equal(error.kind, 'connection');
    assert.equal(error.retryable, true);
    assert.equal(error.message, 'terminated: other side closed [redacted]');
    deadline.dispose();
  });

  it('an in-stream error with an implied status is classified by it', () => {
    const deadline = startDeadline(new AbortController().signal, 10_000);
    const invalid = toProviderError(new Error(), {
      deadline,
      secrets: [],
      describe: describe({ type: 'stream', message: 'bad', status: 400 }),
    });
    const unknown = toProviderError(new Error(), {
      deadline,
      secrets: [],
      describe: describe({ type: 'stream', message: 'hm' }),
    });
    assert.deepEqual([invalid.kind, invalid.retryable], ['client', false]);
    assert.deepEqual([unknown.kind, unknown.retryable], ['server', true]);
    deadline.dispose();
  });
});

describe('deadline', () => {
  it('pause stops the clock, restart gives a full new period', () => {
    const timers = manualTimers();
    const deadline = startDeadline(new AbortController().signal, 40, timers);
    timers.advance(30);
    deadline.pause();
    timers.advance(60);
    assert.equal(deadline.signal.aborted, false);
    deadline.restart();
    timers.advance(39);
    assert.equal(deadline.signal.aborted, false, 'a full new period, not what was left of the first');
    timers.advance(1);
    assert.equal(deadline.signal.aborted, true);
    assert.equal(deadline.timedOut, true);
    deadline.dispose();
  });

  it('dispose lets go of the parent', () => {
    const parent = new AbortController();
    const deadline = startDeadline(parent.signal, 10_000);
    deadline.dispose();
    parent.abort();
    assert.equal(deadline.signal.aborted, false);
  });
});
