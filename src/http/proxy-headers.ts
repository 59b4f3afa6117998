import type { SentReasoning } from '../providers/reasoning.js';
import type { ProxyOutcome } from '../proxy/chat-proxy.js';
import { planHeaders, usdHeader } from '../proxy/decision-headers.js';

/**
 * What reasoning went upstream and whose it was: `effort=high; source=client`, with `requested=max` when the client's
 * effort was moved onto the model's scale; `thinking_budget=2048; source=table` or `thinking=adaptive; source=client`.
 * Both, comma-separated, when both were sent; nothing when neither was.
 */
export function reasoningHeader(sent: SentReasoning): string | undefined {
  const parts: string[] = [];
  if (sent.effort) {
    const requested = sent.effort.requested === undefined ? '' : `; requested=${sent.effort.requested}`;
    parts.push(`effort=${sent.effort.value}; source=${sent.effort.source}${requested}`);
  }
  if (sent.thinking) {
    const config = sent.thinking.config;
    const setting = config.type === 'enabled' ? `thinking_budget=${config.budget_tokens}` : `thinking=${config.type}`;
    parts.push(`${setting}; source=${sent.thinking.source}`);
  }
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** The decision, on every proxied response, for clients that cannot read our body fields. */
export function decisionHeaders(outcome: ProxyOutcome, costUsd: number | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    ...planHeaders(outcome.plan, outcome.attempts),
    'x-router-provider': outcome.candidate.provider,
    'x-router-model': outcome.candidate.model,
  };
  const reasoning = reasoningHeader(outcome.reasoning);
  if (reasoning !== undefined) headers['x-router-reasoning'] = reasoning;
  if (costUsd !== undefined) headers['x-router-cost-usd'] = usdHeader(costUsd);
  return headers;
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  // Stop nginx-style proxies from buffering the stream.
  'x-accel-buffering': 'no',
};
