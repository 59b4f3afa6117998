import type { Child } from 'hono/jsx';
import { STRATEGIES, type Strategy } from '../routing/strategy.js';
import { AXES, LABELS_BY_AXIS } from '../routes-config/schemas.js';

export interface DashboardPageProps {
  defaultStrategy: Strategy;
  baselineModel: string;
  /** Appended to asset URLs so a new build is never served from a stale cache. */
  assetVersion: string;
}

const ASSETS = '/dashboard/assets';

function Field(props: { label: string; for: string; hint?: string; children: Child }) {
  return (
    <div class="field">
      <label for={props.for}>{props.label}</label>
      {props.children}
      {props.hint ? (
        <p class="hint" id={`${props.for}-hint`}>
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}

function LabelOptions(props: { withAny?: boolean }) {
  return (
    <>
      {props.withAny ? <option value="">any label</option> : null}
      {AXES.map((axis) => (
        <optgroup label={axis} data-axis={axis}>
          {LABELS_BY_AXIS[axis].map((label) => (
            <option value={label} data-axis={axis}>
              {label}
            </option>
          ))}
        </optgroup>
      ))}
    </>
  );
}

function Playground(props: DashboardPageProps) {
  return (
    <section id="playground" class="view" data-view="playground" aria-labelledby="playground-title">
      <h2 id="playground-title" tabindex={-1}>
        Playground
      </h2>
      <p class="lede">
        Route a query or a short conversation and see the decision with its evidence. Nothing is sent to a model.
      </p>
      <form id="route-form" class="panel" data-testid="route-form">
        <fieldset class="inline">
          <legend>Input</legend>
          <label>
            <input type="radio" name="mode" value="query" checked /> Single query
          </label>
          <label>
            <input type="radio" name="mode" value="conversation" /> Conversation
          </label>
        </fieldset>
        <Field
          label="Query"
          for="query"
          hint='For a conversation, one message per line: "user: …", "assistant: …" or "system: …"; the last user line decides.'
        >
          <textarea id="query" name="query" rows={4} required aria-describedby="query-hint" data-testid="query"></textarea>
        </Field>
        <div class="row">
          <Field label="Strategy" for="strategy">
            <select id="strategy" name="strategy" data-testid="strategy">
              {STRATEGIES.map((strategy) => (
                <option value={strategy} selected={strategy === props.defaultStrategy}>
                  {strategy}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Expected answer tokens" for="output-tokens">
            <input
              id="output-tokens"
              name="output_tokens"
              type="number"
              min={0}
              max={1000000}
              step={1}
              value="500"
              inputmode="numeric"
            />
          </Field>
          <Field label="Session id (optional)" for="session-id">
            <input id="session-id" name="session_id" type="text" maxlength={256} autocomplete="off" />
          </Field>
        </div>
        <div class="actions">
          <button type="submit" data-testid="route-submit">
            Route
          </button>
          <span class="hint">Ctrl+Enter in the text box routes too.</span>
        </div>
      </form>
      <p id="route-status" class="status" role="status" aria-live="polite" data-testid="route-status"></p>
      <div id="route-result" class="result" hidden data-testid="route-result">
        <div class="cards">
          <Card name="tier" label="Tier" />
          <Card name="intent" label="Intent" />
          <Card name="model" label="Model" />
          <Card name="cost" label="Estimated cost" />
        </div>
        <p id="route-reason" class="reason" data-testid="route-reason"></p>
        <div class="grid two">
          <figure class="panel">
            <figcaption>
              Tier scores <span class="muted" data-testid="tier-margin"></span>
            </figcaption>
            <div id="tier-bars" class="bars" data-testid="tier-bars"></div>
          </figure>
          <figure class="panel">
            <figcaption>
              Intent scores <span class="muted" data-testid="intent-margin"></span>
            </figcaption>
            <div id="intent-bars" class="bars" data-testid="intent-bars"></div>
          </figure>
        </div>
        <div class="grid two">
          <section class="panel" aria-labelledby="fallbacks-title">
            <h3 id="fallbacks-title">Chosen model and fallbacks</h3>
            <ol id="candidates" class="candidates" data-testid="candidates"></ol>
          </section>
          <section class="panel" aria-labelledby="cost-title">
            <h3 id="cost-title">Estimated cost against the baseline ({props.baselineModel})</h3>
            <div class="table-wrap">
              <table id="cost-table" data-testid="cost-table">
                <thead>
                  <tr>
                    <th scope="col">Model</th>
                    <th scope="col" class="num">
                      Cost (USD)
                    </th>
                    <th scope="col" class="num">
                      Saved
                    </th>
                  </tr>
                </thead>
                <tbody></tbody>
              </table>
            </div>
            <p id="cost-note" class="hint"></p>
          </section>
        </div>
        <div class="grid two">
          <section class="panel" aria-labelledby="rules-title">
            <h3 id="rules-title">Rule hits and adjustments</h3>
            <ul id="rule-hits" data-testid="rule-hits"></ul>
            <ul id="adjustments" data-testid="adjustments"></ul>
          </section>
          <section class="panel" aria-labelledby="timing-title">
            <h3 id="timing-title">Embedder and timing</h3>
            <dl id="route-meta" class="meta"></dl>
          </section>
        </div>
        <section class="panel" aria-labelledby="matches-title">
          <h3 id="matches-title">Matched exemplars</h3>
          <div class="table-wrap">
            <table id="matches" data-testid="matches">
              <thead>
                <tr>
                  <th scope="col" class="hide-narrow">
                    Axis
                  </th>
                  <th scope="col">Label</th>
                  <th scope="col" class="num">
                    Similarity
                  </th>
                  <th scope="col">Text</th>
                </tr>
              </thead>
              <tbody></tbody>
            </table>
          </div>
        </section>
      </div>
    </section>
  );
}

function Card(props: { name: string; label: string }) {
  return (
    <div class="card">
      <span class="card-label">{props.label}</span>
      <span class="card-value" id={`result-${props.name}`} data-testid={`result-${props.name}`}></span>
      <span class="card-sub" id={`result-${props.name}-sub`}></span>
    </div>
  );
}

function Exemplars() {
  return (
    <section id="exemplars" class="view" data-view="exemplars" aria-labelledby="exemplars-title">
      <h2 id="exemplars-title" tabindex={-1}>
        Exemplars
      </h2>
      <p class="lede">
        The labelled sentences queries are compared with. Changes take effect for the next routed query. Needs the admin key.
      </p>
      <p id="exemplars-status" class="status" role="status" aria-live="polite" data-testid="exemplars-status"></p>
      <form id="exemplar-filter" class="panel row" role="search" aria-label="Filter exemplars">
        <Field label="Axis" for="filter-axis">
          <select id="filter-axis" name="axis">
            <option value="">any axis</option>
            {AXES.map((axis) => (
              <option value={axis}>{axis}</option>
            ))}
          </select>
        </Field>
        <Field label="Label" for="filter-label">
          <select id="filter-label" name="label">
            <LabelOptions withAny />
          </select>
        </Field>
        <Field label="Language" for="filter-lang">
          <select id="filter-lang" name="lang" data-langs>
            <option value="">any language</option>
          </select>
        </Field>
        <Field label="Text contains" for="filter-q">
          <input id="filter-q" name="q" type="search" autocomplete="off" />
        </Field>
        <div class="actions">
          <button type="submit">Filter</button>
        </div>
      </form>
      <div class="table-wrap panel">
        <table id="exemplar-table" data-testid="exemplar-table">
          <caption id="exemplar-caption" class="muted"></caption>
          <thead>
            <tr>
              <th scope="col" class="num">
                Id
              </th>
              <th scope="col">Axis</th>
              <th scope="col">Label</th>
              <th scope="col">Lang</th>
              <th scope="col">Text</th>
              <th scope="col">Source</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody></tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Exemplar pages">
        <button type="button" id="page-prev" disabled>
          Previous
        </button>
        <span id="page-info" class="muted"></span>
        <button type="button" id="page-next" disabled>
          Next
        </button>
      </nav>
      <form id="exemplar-add" class="panel" data-testid="exemplar-add">
        <h3>Add an exemplar</h3>
        <div class="row">
          <Field label="Axis" for="add-axis">
            <select id="add-axis" name="axis" data-testid="add-axis">
              {AXES.map((axis) => (
                <option value={axis}>{axis}</option>
              ))}
            </select>
          </Field>
          <Field label="Label" for="add-label">
            <select id="add-label" name="label" data-testid="add-label">
              <LabelOptions />
            </select>
          </Field>
          <Field label="Language" for="add-lang">
            <input id="add-lang" name="lang" type="text" value="en" maxlength={10} pattern="[a-z]{2,3}(-[A-Za-z]{2,4})?" />
          </Field>
        </div>
        <Field label="Text" for="add-text">
          <textarea id="add-text" name="text" rows={2} required maxlength={4000} data-testid="add-text"></textarea>
        </Field>
        <div class="actions">
          <button type="submit" data-testid="add-submit">
            Add exemplar
          </button>
        </div>
      </form>
      <dialog id="exemplar-edit" aria-labelledby="edit-title">
        <form id="edit-form" method="dialog">
          <h3 id="edit-title">Edit exemplar</h3>
          <Field label="Label" for="edit-label">
            <select id="edit-label" name="label">
              <LabelOptions />
            </select>
          </Field>
          <Field label="Language" for="edit-lang">
            <input id="edit-lang" name="lang" type="text" maxlength={10} pattern="[a-z]{2,3}(-[A-Za-z]{2,4})?" />
          </Field>
          <Field label="Text" for="edit-text">
            <textarea id="edit-text" name="text" rows={4} required maxlength={4000}></textarea>
          </Field>
          <div class="actions">
            <button type="submit" value="save">
              Save
            </button>
            <button type="button" id="edit-cancel" class="secondary">
              Cancel
            </button>
          </div>
        </form>
      </dialog>
    </section>
  );
}

function Traffic() {
  return (
    <section id="traffic" class="view" data-view="traffic" aria-labelledby="traffic-title">
      <h2 id="traffic-title" tabindex={-1}>
        Traffic and cost
      </h2>
      <p class="lede">Requests proxied through /v1/chat/completions and /v1/messages, from the request ledger.</p>
      <form id="traffic-form" class="panel row">
        <Field label="Period" for="traffic-since">
          <select id="traffic-since" name="since">
            <option value="3600">last hour</option>
            <option value="86400" selected>
              last 24 hours
            </option>
            <option value="604800">last 7 days</option>
            <option value="2592000">last 30 days</option>
            <option value="">everything</option>
          </select>
        </Field>
        <div class="actions">
          <button type="submit" data-testid="traffic-refresh">
            Refresh
          </button>
        </div>
      </form>
      <p id="traffic-status" class="status" role="status" aria-live="polite" data-testid="traffic-status"></p>
      <div id="traffic-result" hidden data-testid="traffic-result">
        <div class="cards">
          <Card name="requests" label="Requests" />
          <Card name="spent" label="Cost" />
          <Card name="baseline" label="Baseline cost" />
          <Card name="savings" label="Saved" />
        </div>
        <figure class="panel">
          <figcaption>
            Requests over time <span class="muted" id="timeline-bucket"></span>
          </figcaption>
          <div id="timeline-chart" class="chart" data-testid="timeline-chart"></div>
        </figure>
        <div class="grid two">
          <figure class="panel">
            <figcaption>Tier mix</figcaption>
            <div id="tier-mix" class="bars" data-testid="tier-mix"></div>
          </figure>
          <figure class="panel">
            <figcaption>Intent mix</figcaption>
            <div id="intent-mix" class="bars" data-testid="intent-mix"></div>
          </figure>
        </div>
        <figure class="panel">
          <figcaption>Cost against the baseline, per model</figcaption>
          <div id="model-chart" class="chart" data-testid="model-chart"></div>
          <div class="table-wrap">
            <table id="model-table" data-testid="model-table">
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col" class="num">
                    Requests
                  </th>
                  <th scope="col" class="num hide-narrow">
                    Errors
                  </th>
                  <th scope="col" class="num">
                    Cost (USD)
                  </th>
                  <th scope="col" class="num">
                    Baseline (USD)
                  </th>
                  <th scope="col" class="num">
                    Saved
                  </th>
                </tr>
              </thead>
              <tbody></tbody>
            </table>
          </div>
        </figure>
      </div>
    </section>
  );
}

/** The whole dashboard: three views in one page, switched by the URL fragment; the script fills them in. */
export function DashboardPage(props: DashboardPageProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Router dashboard</title>
        <link rel="stylesheet" href={`${ASSETS}/dashboard.css?v=${props.assetVersion}`} />
        <script type="module" src={`${ASSETS}/main.js?v=${props.assetVersion}`}></script>
      </head>
      <body data-baseline-model={props.baselineModel}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <h1>Semantic router</h1>
          <nav aria-label="Views">
            <ul class="tabs">
              <li>
                <a href="#playground" data-view-link="playground">
                  Playground
                </a>
              </li>
              <li>
                <a href="#exemplars" data-view-link="exemplars">
                  Exemplars
                </a>
              </li>
              <li>
                <a href="#traffic" data-view-link="traffic">
                  Traffic and cost
                </a>
              </li>
            </ul>
          </nav>
          <details class="key" id="key-panel">
            <summary>
              API key <span id="key-state" class="muted" data-testid="key-state"></span>
            </summary>
            <form id="key-form">
              <label for="api-key">Key (kept in this tab's session storage only)</label>
              <input id="api-key" name="key" type="password" autocomplete="off" spellcheck={false} data-testid="api-key" />
              <div class="actions">
                <button type="submit" data-testid="key-save">
                  Use key
                </button>
                <button type="button" id="key-forget" class="secondary">
                  Forget
                </button>
              </div>
              <p class="hint">
                The admin key is needed to change exemplars; a client key is enough for the playground and traffic when keys are
                configured.
              </p>
            </form>
          </details>
        </header>
        <main id="main">
          <Playground {...props} />
          <Exemplars />
          <Traffic />
        </main>
        <noscript>
          <p class="status">The dashboard needs JavaScript to call the API; everything it uses is served by this service.</p>
        </noscript>
      </body>
    </html>
  );
}

/** The complete HTML document; a JSX tree has no doctype of its own. */
export async function renderDashboardPage(props: DashboardPageProps): Promise<string> {
  // A hono JSX node renders through toString(), which returns a promise when a component is async; its types say string.
  // eslint-disable-next-line @typescript-eslint/await-thenable, @typescript-eslint/no-base-to-string
  return `<!doctype html>${await (<DashboardPage {...props} />).toString()}`;
}
