import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCircuitBreaker } from '../../src/providers/circuit-breaker.js';

function setup(failureThreshold = 3, cooldownMs = 1000) {
  const clock = { now: 10_000 };
  const breaker = createCircuitBreaker({ failureThreshold, cooldownMs, now: () => clock.now });
  const fail = (times: number, provider = 'p'): void => {
    for (let i = 0; i < times; i += 1) breaker.recordFailure(provider);
  };
  return { clock, breaker, fail };
}

describe('circuit breaker', () => {
  it('starts closed and lets calls through', () => {
    const { breaker } = setup();
    assert.equal(breaker.state('p'), 'closed');
    assert.equal(breaker.tryAcquire('p'), true);
    assert.equal(breaker.tryAcquire('p'), true);
  });

  it('opens after N consecutive failures, not before', () => {
    const { breaker, fail } = setup(3);
    fail(2);
    assert.equal(breaker.state('p'), 'closed');
    assert.equal(breaker.tryAcquire('p'), true);
    fail(1);
    assert.equal(breaker.state('p'), 'open');
    assert.equal(breaker.tryAcquire('p'), false);
  });

  it('a success resets the consecutive count', () => {
    const { breaker, fail } = setup(3);
    fail(2);
    breaker.recordSuccess('p');
    fail(2);
    assert.equal(breaker.state('p'), 'closed');
  });

  it('stays open for the whole cooldown, then half-opens with exactly one trial call', () => {
    const { breaker, fail, clock } = setup(1, 1000);
    fail(1);
    clock.now += 999;
    assert.equal(breaker.state('p'), 'open');
    assert.equal(breaker.tryAcquire('p'), false);
    clock.now += 1;
    assert.equal(breaker.state('p'), 'half_open');
    assert.equal(breaker.tryAcquire('p'), true);
    assert.equal(breaker.tryAcquire('p'), false, 'a second call waits for the trial');
  });

  it('a successful trial closes the circuit and resets the count', () => {
    const { breaker, fail, clock } = setup(2, 1000);
    fail(2);
    clock.now += 1000;
    assert.equal(breaker.tryAcquire('p'), true);
    breaker.recordSuccess('p');
    assert.equal(breaker.state('p'), 'closed');
    fail(1);
    assert.equal(breaker.state('p'), 'closed', 'one failure is not the threshold of two');
  });

  it('a failed trial reopens the circuit for a full cooldown', () => {
    const { breaker, fail, clock } = setup(3, 1000);
    fail(3);
    clock.now += 1500;
    assert.equal(breaker.tryAcquire('p'), true);
    breaker.recordFailure('p');
    assert.equal(breaker.state('p'), 'open');
    clock.now += 999;
    assert.equal(breaker.tryAcquire('p'), false);
    clock.now += 1;
    assert.equal(breaker.tryAcquire('p'), true);
  });

  it('release frees the trial slot without closing the circuit', () => {
    const { breaker, fail, clock } = setup(1, 1000);
    fail(1);
    clock.now += 1000;
    assert.equal(breaker.tryAcquire('p'), true);
    breaker.release('p');
    assert.equal(breaker.state('p'), 'half_open');
    assert.equal(breaker.tryAcquire('p'), true);
  });

  it('keeps one circuit per provider', () => {
    const { breaker, fail } = setup(1);
    fail(1, 'a');
    assert.equal(breaker.state('a'), 'open');
    assert.equal(breaker.state('b'), 'closed');
    assert.equal(breaker.tryAcquire('b'), true);
  });
});
