/** The playground: route a query or a conversation, and show the decision with its evidence and its cost. */
import { api, describeFailure } from './api.js';
import type { CostEstimate, RouteDecision } from './api-types.js';
import { scoreBars } from './charts.js';
import { byId, clear, el, query, setStatus, tableBody } from './dom.js';
import { formatPct, formatScore, formatUsd } from './format.js';

const ROLES = ['system', 'developer', 'user', 'assistant'];

interface Message {
  role: string;
  content: string;
}

interface RouteBody {
  strategy: string;
  query?: string;
  messages?: Message[];
  session_id?: string;
}

/** "user: hi" / "assistant: hello" lines; a line without a role continues the previous message. */
export function parseConversation(text: string): Message[] {
  const messages: Message[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*([a-z]+)\s*:\s?(.*)$/i.exec(line);
    const role = match?.[1]?.toLowerCase() ?? '';
    const last = messages[messages.length - 1];
    if (match && ROLES.includes(role)) messages.push({ role, content: match[2] ?? '' });
    else if (last) last.content += `\n${line}`;
    else if (line.trim()) messages.push({ role: 'user', content: line });
  }
  return messages.filter((message) => message.content.trim() !== '');
}

function routeBody(): RouteBody {
  const mode = query('#route-form input[name="mode"]:checked', HTMLInputElement).value;
  const text = byId('query', HTMLTextAreaElement).value;
  const body: RouteBody = { strategy: byId('strategy', HTMLSelectElement).value };
  if (mode === 'conversation') body.messages = parseConversation(text);
  else body.query = text.trim();
  const session = byId('session-id', HTMLInputElement).value.trim();
  if (session) body.session_id = session;
  return body;
}

function routingText(body: RouteBody): string {
  return body.query ?? (body.messages ?? []).map((message) => message.content).join('\n');
}

function setText(id: string, text: string): void {
  byId(id).textContent = text;
}

function renderCost(estimate: CostEstimate | null, estimateError: unknown): void {
  const costBody = clear(tableBody('cost-table'));
  if (!estimate) {
    setText('result-cost', 'unknown');
    setText('result-cost-sub', '');
    setText('cost-note', estimateError ? `No estimate: ${describeFailure(estimateError)}` : '');
    return;
  }
  const chosen = estimate.models[0];
  setText('result-cost', chosen ? formatUsd(chosen.cost_usd) : 'unknown');
  setText(
    'result-cost-sub',
    `baseline ${estimate.baseline.model} ${formatUsd(estimate.baseline.cost_usd)}${chosen && chosen.savings_pct !== null ? ` · saves ${formatPct(chosen.savings_pct)}` : ''}`,
  );
  estimate.models.forEach((row, index) => {
    costBody.appendChild(
      el('tr', { 'data-model': row.model }, [
        el('td', { text: `${row.model}${index === 0 ? ' (chosen)' : ''}` }),
        el('td', { class: 'num', text: formatUsd(row.cost_usd) }),
        el('td', { class: 'num', text: formatPct(row.savings_pct) }),
      ]),
    );
  });
  costBody.appendChild(
    el('tr', { 'data-model': estimate.baseline.model, 'data-baseline': 'true' }, [
      el('td', { text: `${estimate.baseline.model} (baseline)` }),
      el('td', { class: 'num', text: formatUsd(estimate.baseline.cost_usd) }),
      el('td', { class: 'num', text: '' }),
    ]),
  );
  setText(
    'cost-note',
    `${estimate.input_tokens} input tokens (estimated at four characters a token) and ${estimate.output_tokens} answer tokens, ` +
      `at the prices of ${estimate.prices_as_of} per million tokens.`,
  );
}

function renderDecision(decision: RouteDecision, estimate: CostEstimate | null, estimateError: unknown): void {
  byId('route-result').hidden = false;
  setText('result-tier', decision.tier);
  setText('result-tier-sub', decision.scored_tier !== decision.tier ? `scored ${decision.scored_tier}, adjusted` : 'as scored');
  setText('result-intent', decision.intent);
  setText('result-intent-sub', `strategy ${decision.strategy}`);
  setText('result-model', decision.model ?? 'none');
  setText('result-model-sub', `${decision.provider ?? ''}${decision.available ? '' : ' · no provider key configured'}`);
  setText('route-reason', decision.reason);

  query('[data-testid="tier-margin"]').textContent = scoreBars(
    byId('tier-bars'),
    'Tier scores',
    decision.scores.tier,
    decision.margins.tier,
  );
  query('[data-testid="intent-margin"]').textContent = scoreBars(
    byId('intent-bars'),
    'Intent scores',
    decision.scores.intent,
    decision.margins.intent,
  );

  const candidates = clear(byId('candidates'));
  const chosen = decision.model
    ? [
        {
          model: decision.model,
          provider: decision.provider ?? '',
          tier: decision.tier,
          available: decision.available,
          chosen: true,
        },
      ]
    : [];
  for (const candidate of [...chosen, ...decision.fallbacks.map((fallback) => ({ ...fallback, chosen: false }))]) {
    candidates.appendChild(
      el(
        'li',
        {
          class: `${candidate.chosen ? 'chosen' : ''}${candidate.available ? '' : ' unavailable'}`,
          'data-model': candidate.model,
        },
        [
          `${candidate.model} `,
          el('span', {
            class: 'muted',
            text: `(${candidate.provider}, ${candidate.tier}${candidate.available ? '' : ', no key'})${candidate.chosen ? ' chosen' : ''}`,
          }),
        ],
      ),
    );
  }

  const rules = clear(byId('rule-hits'));
  if (!decision.rule_hits.length) rules.appendChild(el('li', { class: 'muted', text: 'No rule matched.' }));
  for (const hit of decision.rule_hits) {
    const parts = [hit.id];
    for (const [name, value] of Object.entries(hit)) {
      if (name !== 'id' && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'))
        parts.push(`${name} ${value}`);
    }
    rules.appendChild(el('li', { 'data-rule': hit.id, text: `rule ${parts.join(' · ')}` }));
  }
  const adjustments = clear(byId('adjustments'));
  if (!decision.adjustments.length)
    adjustments.appendChild(el('li', { class: 'muted', text: 'No adjustment: the scores decided.' }));
  for (const step of decision.adjustments) adjustments.appendChild(el('li', { text: step }));

  const meta = clear(byId('route-meta'));
  const facts: [string, string][] = [
    ['Embedder', `${decision.embedder.id}${decision.embedder.standin ? ' (stand-in)' : ''}`],
    ['Scoring', decision.scoring],
    ['Exemplar set', decision.exemplar_set_version],
    ['Time', `${decision.timings_ms.total.toFixed(1)} ms (embed ${decision.timings_ms.embed.toFixed(1)})`],
    ['Decision id', decision.decision_id],
  ];
  for (const [term, description] of facts) {
    meta.appendChild(el('dt', { text: term }));
    meta.appendChild(el('dd', { text: description }));
  }

  const matches = clear(tableBody('matches'));
  for (const match of decision.top_exemplars) {
    matches.appendChild(
      el('tr', { 'data-id': match.id, 'data-axis': match.axis, 'data-label': match.label }, [
        el('td', { class: 'hide-narrow', text: match.axis }),
        el('td', {}, el('span', { class: 'tag', text: match.label })),
        el('td', { class: 'num', text: formatScore(match.similarity) }),
        el('td', { class: 'text', text: match.text }),
      ]),
    );
  }

  renderCost(estimate, estimateError);
}

async function routeNow(): Promise<void> {
  const body = routeBody();
  if ((body.query !== undefined && !body.query) || (body.messages && !body.messages.length)) {
    setStatus('route-status', 'Type a query first.', true);
    byId('query').focus();
    return;
  }
  setStatus('route-status', 'Routing…');
  const button = query('[data-testid="route-submit"]', HTMLButtonElement);
  button.disabled = true;
  try {
    const decision = await api<RouteDecision>('POST', '/v1/route', body);
    const models = [...(decision.model ? [decision.model] : []), ...decision.fallbacks.map((candidate) => candidate.model)];
    const outputTokens = Math.max(0, Math.floor(Number(byId('output-tokens', HTMLInputElement).value) || 0));
    // The decision is shown even when the estimate fails; the cost panel then says why.
    let estimate: CostEstimate | null = null;
    let estimateError: unknown = null;
    try {
      estimate = await api<CostEstimate>('POST', '/dashboard/api/estimate', {
        text: routingText(body),
        output_tokens: outputTokens,
        models,
      });
    } catch (error) {
      estimateError = error;
    }
    renderDecision(decision, estimate, estimateError);
    setStatus('route-status', `Routed: ${decision.tier} ${decision.intent} → ${decision.model ?? 'no model'}.`);
  } catch (error) {
    setStatus('route-status', describeFailure(error), true);
  } finally {
    button.disabled = false;
  }
}

export function startPlayground(): void {
  byId('route-form', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    void routeNow();
  });
  byId('query', HTMLTextAreaElement).addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void routeNow();
    }
  });
}
