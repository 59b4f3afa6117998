/**
 * The dashboard's browser script, served at /dashboard/assets/dashboard.js.
 * Plain ES2020 for evergreen browsers, no framework and no build: it calls the
 * service's own JSON API and builds DOM and SVG nodes (never HTML strings, so
 * exemplar text cannot inject markup). Kept in a module for the same reason
 * as styles.ts; it must not contain backticks or dollar-brace sequences.
 */
export const DASHBOARD_SCRIPT = String.raw`
(function () {
  'use strict';
  var KEY_STORAGE = 'router-dashboard-key';
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var VIEWS = ['playground', 'exemplars', 'traffic'];
  var PAGE_SIZE = 50;
  document.documentElement.classList.add('js');

  // ------------------------------------------------------------ helpers

  function byId(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function svg(tag, attrs, children) {
    var node = document.createElementNS(SVG_NS, tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function setAttrs(node, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (name) {
      var value = attrs[name];
      if (value === undefined || value === null || value === false) return;
      if (name === 'text') node.textContent = String(value);
      else if (name === 'onclick') node.addEventListener('click', value);
      else node.setAttribute(name, value === true ? '' : String(value));
    });
  }

  function append(node, children) {
    if (children === undefined || children === null) return;
    (Array.isArray(children) ? children : [children]).forEach(function (child) {
      if (child === undefined || child === null || child === false) return;
      node.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
    });
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  function setStatus(id, message, isError) {
    var node = byId(id);
    node.textContent = message || '';
    node.classList.toggle('error', Boolean(isError));
  }

  function formatUsd(value) {
    if (value === null || value === undefined) return 'unknown';
    if (value === 0) return '$0';
    var abs = Math.abs(value);
    var digits = abs >= 1 ? 2 : Math.min(10, 2 - Math.floor(Math.log10(abs)) + 1);
    return (value < 0 ? '-$' : '$') + abs.toFixed(digits);
  }

  function formatPct(value) { return value === null || value === undefined ? 'n/a' : value.toFixed(1) + '%'; }
  function formatScore(value) { return Number(value).toFixed(3); }

  function apiKey() {
    try { return sessionStorage.getItem(KEY_STORAGE) || ''; } catch (error) { return ''; }
  }

  function api(method, path, body) {
    var headers = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    var key = apiKey();
    if (key) headers.authorization = 'Bearer ' + key;
    return fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body) }).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (error) { data = null; }
        if (!response.ok) {
          var message = data && data.error && data.error.message ? data.error.message : 'HTTP ' + response.status;
          var failure = new Error(message);
          failure.status = response.status;
          failure.code = data && data.error ? data.error.code : undefined;
          throw failure;
        }
        return data;
      });
    });
  }

  function describeFailure(error) {
    if (error.status === 401) return 'The service needs a key: open "API key" at the top and enter it. (' + error.message + ')';
    if (error.status === 403) return 'This key may not do that' + (error.code ? ' (' + error.code + ')' : '') + ': ' + error.message;
    if (error.status === 503) return 'The router is still loading; try again in a moment. (' + error.message + ')';
    return error.message || String(error);
  }

  // Drawn at the container's width in CSS pixels, so text keeps its size on a phone and on a laptop.
  function chartWidth(container, fallback) {
    return Math.max(260, Math.round(container.clientWidth || fallback));
  }

  // Horizontal bars: one row per [label, value] over [min, max]; the top row is highlighted.
  function barChart(container, rows, options) {
    var rowHeight = 24;
    var labelWidth = options.labelWidth || 90;
    var valueWidth = options.valueWidth || 56;
    var width = chartWidth(container, 460);
    var trackWidth = width - labelWidth - valueWidth;
    var max = options.max || Math.max.apply(null, rows.map(function (row) { return row[1]; }).concat([0])) || 1;
    var min = options.min || 0;
    var height = Math.max(rows.length, 1) * rowHeight;
    var summary = options.title + ': ' + (rows.length ? rows.map(function (row) { return row[0] + ' ' + options.format(row[1]); }).join(', ') : 'none');
    var chart = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': summary }, [svg('title', { text: summary })]);
    rows.forEach(function (row, index) {
      var y = index * rowHeight;
      var fillWidth = Math.max(0, Math.min(1, (row[1] - min) / (max - min))) * trackWidth;
      chart.appendChild(svg('g', { 'data-label': row[0], 'data-value': row[1], class: 'bar-row' }, [
        svg('text', { x: 0, y: y + 16, text: options.labelText ? options.labelText(row[0]) : row[0] }),
        svg('rect', { class: 'track', x: labelWidth, y: y + 5, width: trackWidth, height: 14, rx: 3 }),
        svg('rect', { class: 'fill' + ((index === 0 && options.highlightTop) || options.accent ? ' top' : ''), x: labelWidth, y: y + 5, width: fillWidth.toFixed(1), height: 14, rx: 3 }),
        svg('text', { x: width, y: y + 16, 'text-anchor': 'end', text: options.format(row[1]) }),
      ]));
    });
    clear(container).appendChild(chart);
  }

  // Similarities crowd together (0.97 against 0.98 with a small model), so the bars start a little below the lowest
  // score, at a round number the caption states, rather than at zero where every bar would look the same.
  function scoreBars(container, caption, scores, margin) {
    var rows = scoreRows(scores);
    var values = rows.map(function (row) { return row[1]; });
    var low = values.length ? Math.min.apply(null, values) : 0;
    var high = values.length ? Math.max.apply(null, values) : 1;
    var floor = Math.max(0, Math.floor((low - Math.max(high - low, 0.01)) * 20) / 20);
    barChart(container, rows, { title: caption, format: formatScore, min: floor, max: Math.max(high, floor + 0.01), highlightTop: true });
    return '· margin ' + formatScore(margin) + (floor > 0 ? ' · bars start at ' + floor.toFixed(2) : '');
  }

  // ------------------------------------------------------------ views

  var loaded = {};
  function currentView() {
    var name = location.hash.replace('#', '');
    return VIEWS.indexOf(name) >= 0 ? name : 'playground';
  }

  function showView(focus) {
    var name = currentView();
    VIEWS.forEach(function (view) {
      byId(view).classList.toggle('active', view === name);
    });
    document.querySelectorAll('[data-view-link]').forEach(function (link) {
      if (link.getAttribute('data-view-link') === name) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    });
    if (focus) byId(name + '-title').focus();
    if (!loaded[name]) {
      loaded[name] = true;
      if (name === 'exemplars') { loadLanguages(); loadExemplars(); }
      if (name === 'traffic') loadTraffic();
    }
  }

  // ------------------------------------------------------------ key

  function showKeyState() {
    byId('key-state').textContent = apiKey() ? '(set)' : '(none)';
  }

  byId('key-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var value = byId('api-key').value.trim();
    try { if (value) sessionStorage.setItem(KEY_STORAGE, value); else sessionStorage.removeItem(KEY_STORAGE); } catch (error) { /* storage off: key lasts for this page */ }
    byId('api-key').value = '';
    showKeyState();
    byId('key-panel').open = false;
    loaded = {};
    showView(false);
  });
  byId('key-forget').addEventListener('click', function () {
    try { sessionStorage.removeItem(KEY_STORAGE); } catch (error) { /* nothing stored */ }
    showKeyState();
  });

  // ------------------------------------------------------------ playground

  var ROLES = ['system', 'developer', 'user', 'assistant'];

  // "user: hi" / "assistant: hello" lines; a line without a role continues the previous message.
  function parseConversation(text) {
    var messages = [];
    text.split('\n').forEach(function (line) {
      var match = /^\s*([a-z]+)\s*:\s?(.*)$/i.exec(line);
      var role = match ? match[1].toLowerCase() : '';
      if (match && ROLES.indexOf(role) >= 0) messages.push({ role: role, content: match[2] });
      else if (messages.length) messages[messages.length - 1].content += '\n' + line;
      else if (line.trim()) messages.push({ role: 'user', content: line });
    });
    return messages.filter(function (message) { return message.content.trim() !== ''; });
  }

  function routeBody() {
    var form = byId('route-form');
    var mode = form.querySelector('input[name="mode"]:checked').value;
    var text = byId('query').value;
    var body = { strategy: byId('strategy').value };
    if (mode === 'conversation') body.messages = parseConversation(text);
    else body.query = text.trim();
    var session = byId('session-id').value.trim();
    if (session) body.session_id = session;
    return body;
  }

  function routingText(body) {
    return body.query !== undefined ? body.query : body.messages.map(function (message) { return message.content; }).join('\n');
  }

  function scoreRows(scores) {
    return Object.keys(scores || {}).map(function (label) { return [label, scores[label]]; });
  }

  function renderDecision(decision, estimate, estimateError) {
    byId('route-result').hidden = false;
    byId('result-tier').textContent = decision.tier;
    byId('result-tier-sub').textContent = decision.scored_tier !== decision.tier ? 'scored ' + decision.scored_tier + ', adjusted' : 'as scored';
    byId('result-intent').textContent = decision.intent;
    byId('result-intent-sub').textContent = 'strategy ' + decision.strategy;
    byId('result-model').textContent = decision.model || 'none';
    byId('result-model-sub').textContent = (decision.provider || '') + (decision.available ? '' : ' · no provider key configured');
    byId('route-reason').textContent = decision.reason;

    document.querySelector('[data-testid="tier-margin"]').textContent = scoreBars(byId('tier-bars'), 'Tier scores', decision.scores.tier, decision.margins.tier);
    document.querySelector('[data-testid="intent-margin"]').textContent = scoreBars(byId('intent-bars'), 'Intent scores', decision.scores.intent, decision.margins.intent);

    var candidates = clear(byId('candidates'));
    var all = decision.model ? [{ model: decision.model, provider: decision.provider, tier: decision.tier, available: decision.available, chosen: true }] : [];
    all.concat(decision.fallbacks).forEach(function (candidate) {
      candidates.appendChild(el('li', { class: (candidate.chosen ? 'chosen' : '') + (candidate.available ? '' : ' unavailable'), 'data-model': candidate.model }, [
        candidate.model + ' ',
        el('span', { class: 'muted', text: '(' + candidate.provider + ', ' + candidate.tier + (candidate.available ? '' : ', no key') + ')' + (candidate.chosen ? ' chosen' : '') }),
      ]));
    });

    var rules = clear(byId('rule-hits'));
    if (!decision.rule_hits.length) rules.appendChild(el('li', { class: 'muted', text: 'No rule matched.' }));
    decision.rule_hits.forEach(function (hit) {
      var parts = [hit.id];
      Object.keys(hit).forEach(function (name) { if (name !== 'id' && typeof hit[name] !== 'object') parts.push(name + ' ' + hit[name]); });
      rules.appendChild(el('li', { 'data-rule': hit.id, text: 'rule ' + parts.join(' · ') }));
    });
    var adjustments = clear(byId('adjustments'));
    if (!decision.adjustments.length) adjustments.appendChild(el('li', { class: 'muted', text: 'No adjustment: the scores decided.' }));
    decision.adjustments.forEach(function (step) { adjustments.appendChild(el('li', { text: step })); });

    var meta = clear(byId('route-meta'));
    [
      ['Embedder', decision.embedder.id + (decision.embedder.standin ? ' (stand-in)' : '')],
      ['Scoring', decision.scoring],
      ['Exemplar set', decision.exemplar_set_version],
      ['Time', decision.timings_ms.total.toFixed(1) + ' ms (embed ' + decision.timings_ms.embed.toFixed(1) + ')'],
      ['Decision id', decision.decision_id],
    ].forEach(function (pair) { meta.appendChild(el('dt', { text: pair[0] })); meta.appendChild(el('dd', { text: pair[1] })); });

    var matches = clear(byId('matches').tBodies[0]);
    decision.top_exemplars.forEach(function (match) {
      matches.appendChild(el('tr', { 'data-id': match.id, 'data-axis': match.axis, 'data-label': match.label }, [
        el('td', { class: 'hide-narrow', text: match.axis }),
        el('td', {}, el('span', { class: 'tag', text: match.label })),
        el('td', { class: 'num', text: formatScore(match.similarity) }),
        el('td', { class: 'text', text: match.text }),
      ]));
    });

    var costBody = clear(byId('cost-table').tBodies[0]);
    if (estimate) {
      var chosen = estimate.models[0];
      byId('result-cost').textContent = chosen ? formatUsd(chosen.cost_usd) : 'unknown';
      byId('result-cost-sub').textContent = 'baseline ' + estimate.baseline.model + ' ' + formatUsd(estimate.baseline.cost_usd) + (chosen && chosen.savings_pct !== null ? ' · saves ' + formatPct(chosen.savings_pct) : '');
      estimate.models.forEach(function (row, index) {
        costBody.appendChild(el('tr', { 'data-model': row.model }, [
          el('td', { text: row.model + (index === 0 ? ' (chosen)' : '') }),
          el('td', { class: 'num', text: formatUsd(row.cost_usd) }),
          el('td', { class: 'num', text: formatPct(row.savings_pct) }),
        ]));
      });
      costBody.appendChild(el('tr', { 'data-model': estimate.baseline.model, 'data-baseline': 'true' }, [
        el('td', { text: estimate.baseline.model + ' (baseline)' }),
        el('td', { class: 'num', text: formatUsd(estimate.baseline.cost_usd) }),
        el('td', { class: 'num', text: '' }),
      ]));
      byId('cost-note').textContent = estimate.input_tokens + ' input tokens (estimated at four characters a token) and ' + estimate.output_tokens +
        ' answer tokens, at the prices of ' + estimate.prices_as_of + ' per million tokens.';
    } else {
      byId('result-cost').textContent = 'unknown';
      byId('result-cost-sub').textContent = '';
      byId('cost-note').textContent = estimateError ? 'No estimate: ' + describeFailure(estimateError) : '';
    }
  }

  function routeNow() {
    var body = routeBody();
    if ((body.query !== undefined && !body.query) || (body.messages && !body.messages.length)) {
      setStatus('route-status', 'Type a query first.', true);
      byId('query').focus();
      return;
    }
    setStatus('route-status', 'Routing…');
    var button = document.querySelector('[data-testid="route-submit"]');
    button.disabled = true;
    api('POST', '/v1/route', body)
      .then(function (decision) {
        var models = (decision.model ? [decision.model] : []).concat(decision.fallbacks.map(function (candidate) { return candidate.model; }));
        var outputTokens = Math.max(0, Math.floor(Number(byId('output-tokens').value) || 0));
        return api('POST', '/dashboard/api/estimate', { text: routingText(body), output_tokens: outputTokens, models: models })
          .then(function (estimate) { renderDecision(decision, estimate, null); }, function (error) { renderDecision(decision, null, error); })
          .then(function () { setStatus('route-status', 'Routed: ' + decision.tier + ' ' + decision.intent + ' → ' + (decision.model || 'no model') + '.'); });
      })
      .catch(function (error) { setStatus('route-status', describeFailure(error), true); })
      .then(function () { button.disabled = false; });
  }

  byId('route-form').addEventListener('submit', function (event) { event.preventDefault(); routeNow(); });
  byId('query').addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) { event.preventDefault(); routeNow(); }
  });

  // ------------------------------------------------------------ exemplars

  var exemplarState = { offset: 0, total: 0, items: [] };

  // A label select shows only the labels of one axis (or of every axis when axis is empty).
  function limitLabels(select, axis, keepAny) {
    var firstVisible = null;
    Array.prototype.forEach.call(select.querySelectorAll('optgroup'), function (group) {
      var visible = !axis || group.getAttribute('data-axis') === axis;
      group.hidden = !visible;
      group.disabled = !visible;
      if (visible && !firstVisible) firstVisible = group.querySelector('option');
    });
    var selected = select.selectedOptions[0];
    var stillValid = selected && (selected.value === '' ? keepAny : !selected.parentNode.disabled);
    if (!stillValid) {
      if (keepAny) select.value = '';
      else if (firstVisible) select.value = firstVisible.value;
    }
  }

  function loadLanguages() {
    api('GET', '/readyz').then(function (ready) {
      var select = byId('filter-lang');
      var current = select.value;
      Object.keys((ready.exemplars && ready.exemplars.by_lang) || {}).sort().forEach(function (lang) {
        if (!select.querySelector('option[value="' + lang + '"]')) select.appendChild(el('option', { value: lang, text: lang }));
      });
      select.value = current;
    }, function () { /* the filter still works without the list */ });
  }

  function exemplarQuery() {
    var params = new URLSearchParams();
    ['axis', 'label', 'lang', 'q'].forEach(function (name) {
      var value = byId('filter-' + name).value.trim();
      if (value) params.set(name, value);
    });
    params.set('limit', String(PAGE_SIZE));
    params.set('offset', String(exemplarState.offset));
    params.set('include', 'conflicts');
    return params.toString();
  }

  function renderExemplars() {
    var body = clear(byId('exemplar-table').tBodies[0]);
    var items = exemplarState.items;
    items.forEach(function (item) {
      body.appendChild(el('tr', item.closer_to ? { 'data-id': item.id, class: 'conflicted' } : { 'data-id': item.id }, [
        el('td', { class: 'num col-id', text: item.id }),
        el('td', { text: item.axis }),
        el('td', {}, item.closer_to
          ? [el('span', { class: 'tag', text: item.label }), ' ', el('span', { class: 'tag conflict', title: 'Leave-one-out scoring puts this exemplar closer to ' + item.closer_to.closer_to + ' (' + item.closer_to.other_score + ') than to ' + item.label + ' (' + item.closer_to.own_score + ')', text: 'closer to ' + item.closer_to.closer_to })]
          : el('span', { class: 'tag', text: item.label })),
        el('td', { text: item.lang }),
        el('td', { class: 'text', text: item.text }),
        el('td', { class: 'muted col-source', text: item.source }),
        el('td', { class: 'col-actions' }, el('div', { class: 'actions' }, [
          el('button', { type: 'button', 'aria-label': 'Edit exemplar ' + item.id, text: 'Edit', onclick: function () { openEditor(item); } }),
          el('button', { type: 'button', class: 'danger', 'aria-label': 'Delete exemplar ' + item.id, text: 'Delete', onclick: function () { deleteExemplar(item); } }),
        ])),
      ]));
    });
    var from = exemplarState.total ? exemplarState.offset + 1 : 0;
    var to = exemplarState.offset + items.length;
    byId('page-info').textContent = from + '–' + to + ' of ' + exemplarState.total;
    byId('exemplar-caption').textContent = exemplarState.total + (exemplarState.total === 1 ? ' exemplar matches' : ' exemplars match');
    byId('page-prev').disabled = exemplarState.offset === 0;
    byId('page-next').disabled = to >= exemplarState.total;
  }

  function loadExemplars() {
    setStatus('exemplars-status', 'Loading…');
    return api('GET', '/admin/exemplars?' + exemplarQuery())
      .then(function (page) {
        exemplarState.total = page.total;
        exemplarState.items = page.items;
        renderExemplars();
        setStatus('exemplars-status', '');
      })
      .catch(function (error) {
        exemplarState.items = [];
        exemplarState.total = 0;
        renderExemplars();
        setStatus('exemplars-status', describeFailure(error), true);
      });
  }

  byId('filter-axis').addEventListener('change', function () { limitLabels(byId('filter-label'), byId('filter-axis').value, true); });
  byId('add-axis').addEventListener('change', function () { limitLabels(byId('add-label'), byId('add-axis').value, false); });
  limitLabels(byId('add-label'), byId('add-axis').value, false);
  byId('exemplar-filter').addEventListener('submit', function (event) { event.preventDefault(); exemplarState.offset = 0; loadExemplars(); });
  byId('page-prev').addEventListener('click', function () { exemplarState.offset = Math.max(0, exemplarState.offset - PAGE_SIZE); loadExemplars(); });
  byId('page-next').addEventListener('click', function () { exemplarState.offset += PAGE_SIZE; loadExemplars(); });

  byId('exemplar-add').addEventListener('submit', function (event) {
    event.preventDefault();
    var body = { axis: byId('add-axis').value, label: byId('add-label').value, text: byId('add-text').value.trim() };
    var lang = byId('add-lang').value.trim();
    if (lang) body.lang = lang;
    setStatus('exemplars-status', 'Adding…');
    api('POST', '/admin/exemplars', body)
      .then(function (result) {
        byId('add-text').value = '';
        setStatus('exemplars-status', 'Added exemplar ' + result.exemplar.id + ' (' + result.exemplar.axis + ' ' + result.exemplar.label + '); exemplar set revision ' + result.revision + '.');
        return api('GET', '/admin/exemplars?' + exemplarQuery()).then(function (page) {
          exemplarState.total = page.total;
          exemplarState.items = page.items;
          renderExemplars();
        });
      })
      .catch(function (error) { setStatus('exemplars-status', describeFailure(error), true); });
  });

  var editing = null;
  function openEditor(item) {
    editing = item;
    limitLabels(byId('edit-label'), item.axis, false);
    byId('edit-label').value = item.label;
    byId('edit-lang').value = item.lang;
    byId('edit-text').value = item.text;
    byId('edit-title').textContent = 'Edit exemplar ' + item.id + ' (' + item.axis + ')';
    byId('exemplar-edit').showModal();
    byId('edit-text').focus();
  }
  byId('edit-cancel').addEventListener('click', function () { byId('exemplar-edit').close(); });
  byId('edit-form').addEventListener('submit', function (event) {
    event.preventDefault();
    if (!editing) return;
    var item = editing;
    var patch = {};
    if (byId('edit-label').value !== item.label) patch.label = byId('edit-label').value;
    if (byId('edit-lang').value.trim() !== item.lang) patch.lang = byId('edit-lang').value.trim();
    if (byId('edit-text').value.trim() !== item.text) patch.text = byId('edit-text').value.trim();
    byId('exemplar-edit').close();
    if (!Object.keys(patch).length) { setStatus('exemplars-status', 'Nothing changed.'); return; }
    setStatus('exemplars-status', 'Saving…');
    api('PATCH', '/admin/exemplars/' + encodeURIComponent(item.id), patch)
      .then(function (result) {
        setStatus('exemplars-status', 'Saved exemplar ' + item.id + '; exemplar set revision ' + result.revision + '.');
        return loadExemplars().then(function () { setStatus('exemplars-status', 'Saved exemplar ' + item.id + '; exemplar set revision ' + result.revision + '.'); });
      })
      .catch(function (error) { setStatus('exemplars-status', describeFailure(error), true); });
  });

  function deleteExemplar(item) {
    if (!window.confirm('Delete exemplar ' + item.id + ' (' + item.axis + ' ' + item.label + ')?\n\n' + item.text)) return;
    api('DELETE', '/admin/exemplars/' + encodeURIComponent(item.id))
      .then(function (result) {
        return loadExemplars().then(function () { setStatus('exemplars-status', 'Deleted exemplar ' + item.id + '; exemplar set revision ' + result.revision + '.'); });
      })
      .catch(function (error) { setStatus('exemplars-status', describeFailure(error), true); });
  }

  // ------------------------------------------------------------ traffic

  var BUCKET_MS = { minute: 60000, hour: 3600000, day: 86400000 };

  // Every bucket from start to now, empty ones included, so the x axis is time and not just data.
  function fillTimeline(points, bucket, displayBucket, sinceMs) {
    var size = BUCKET_MS[displayBucket];
    var counts = new Map();
    points.forEach(function (point) {
      var start = Math.floor(Date.parse(point.start) / size) * size;
      counts.set(start, (counts.get(start) || 0) + point.requests);
    });
    var now = Math.floor(Date.now() / size) * size;
    var first = sinceMs !== null ? Math.floor(sinceMs / size) * size : points.length ? Math.floor(Date.parse(points[0].start) / size) * size : now;
    var series = [];
    for (var t = first; t <= now; t += size) series.push([t, counts.get(t) || 0]);
    return series;
  }

  function timeLabel(ms, bucket) {
    var date = new Date(ms);
    var pad = function (n) { return n < 10 ? '0' + n : String(n); };
    if (bucket === 'day') return (date.getMonth() + 1) + '/' + date.getDate();
    return pad(date.getHours()) + ':' + pad(date.getMinutes());
  }

  function timelineChart(container, series, bucket) {
    var width = chartWidth(container, 720), height = 200, left = 36, bottom = 22, top = 10;
    var plotWidth = width - left - 6, plotHeight = height - top - bottom;
    var max = Math.max.apply(null, series.map(function (point) { return point[1]; }).concat([1]));
    var total = series.reduce(function (sum, point) { return sum + point[1]; }, 0);
    var summary = 'Requests over time: ' + total + ' requests in ' + series.length + ' ' + bucket + ' buckets, at most ' + max + ' in one';
    var chart = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': summary }, [
      svg('title', { text: summary }),
      svg('line', { class: 'axis', x1: left, y1: top + plotHeight, x2: width, y2: top + plotHeight }),
      svg('text', { class: 'muted-text', x: left - 4, y: top + 8, 'text-anchor': 'end', text: max }),
      svg('text', { class: 'muted-text', x: left - 4, y: top + plotHeight, 'text-anchor': 'end', text: 0 }),
    ]);
    var step = plotWidth / Math.max(series.length, 1);
    var ticks = Math.max(1, Math.ceil(series.length / Math.max(2, Math.floor(plotWidth / 70))));
    series.forEach(function (point, index) {
      var barHeight = (point[1] / max) * plotHeight;
      var x = left + index * step;
      if (point[1] > 0) {
        chart.appendChild(svg('rect', { class: 'bar', x: (x + step * 0.1).toFixed(1), y: (top + plotHeight - barHeight).toFixed(1), width: Math.max(1, step * 0.8).toFixed(1), height: barHeight.toFixed(1), 'data-start': new Date(point[0]).toISOString(), 'data-requests': point[1] }, [
          svg('title', { text: timeLabel(point[0], bucket) + ': ' + point[1] + ' requests' }),
        ]));
      }
      if (index % ticks === 0) chart.appendChild(svg('text', { class: 'muted-text', x: (x + step / 2).toFixed(1), y: height - 6, 'text-anchor': 'middle', text: timeLabel(point[0], bucket) }));
    });
    clear(container).appendChild(chart);
  }

  // Paired bars per model: what was paid and what the baseline model would have cost.
  function modelCostChart(container, byModel) {
    var models = Object.keys(byModel).sort(function (a, b) { return byModel[b].baseline_cost_usd - byModel[a].baseline_cost_usd; });
    var rowHeight = 40, labelWidth = 130, valueWidth = 90, width = chartWidth(container, 720);
    var trackWidth = width - labelWidth - valueWidth;
    var max = Math.max.apply(null, models.map(function (model) { return Math.max(byModel[model].cost_usd, byModel[model].baseline_cost_usd); }).concat([0])) || 1;
    var height = Math.max(models.length, 1) * rowHeight;
    var summary = 'Cost against the baseline per model: ' + (models.length ? models.map(function (model) {
      return model + ' ' + formatUsd(byModel[model].cost_usd) + ' against ' + formatUsd(byModel[model].baseline_cost_usd);
    }).join('; ') : 'no requests');
    var chart = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': summary }, [svg('title', { text: summary })]);
    models.forEach(function (model, index) {
      var y = index * rowHeight;
      var row = byModel[model];
      chart.appendChild(svg('g', { 'data-model': model }, [
        svg('text', { x: 0, y: y + 24, text: model }),
        svg('rect', { class: 'bar', x: labelWidth, y: y + 6, width: ((row.cost_usd / max) * trackWidth).toFixed(1), height: 12, rx: 2 }),
        svg('rect', { class: 'bar baseline', x: labelWidth, y: y + 20, width: ((row.baseline_cost_usd / max) * trackWidth).toFixed(1), height: 12, rx: 2 }),
        svg('text', { x: width, y: y + 16, 'text-anchor': 'end', text: formatUsd(row.cost_usd) }),
        svg('text', { class: 'muted-text', x: width, y: y + 31, 'text-anchor': 'end', text: formatUsd(row.baseline_cost_usd) }),
      ]));
    });
    clear(container).appendChild(el('div', { class: 'legend' }, [
      el('span', {}, [el('span', { class: 'swatch' }), 'paid']),
      el('span', {}, [el('span', { class: 'swatch baseline' }), 'baseline (' + document.body.getAttribute('data-baseline-model') + ')']),
    ]));
    container.appendChild(chart);
  }

  function mixRows(groups) {
    return Object.keys(groups).map(function (name) { return [name, groups[name].requests]; }).sort(function (a, b) { return b[1] - a[1]; });
  }

  function setCard(name, text, value, sub) {
    var node = byId('result-' + name);
    node.textContent = text;
    node.setAttribute('data-value', String(value));
    byId('result-' + name + '-sub').textContent = sub || '';
  }

  function renderTraffic(stats, timeline, displayBucket, sinceMs) {
    byId('traffic-result').hidden = false;
    setCard('requests', String(stats.requests), stats.requests, stats.errors + ' errors · ' + stats.input_tokens + ' in / ' + stats.output_tokens + ' out tokens');
    setCard('spent', formatUsd(stats.cost_usd), stats.cost_usd, 'what was paid');
    setCard('baseline', formatUsd(stats.baseline_cost_usd), stats.baseline_cost_usd, 'all on ' + document.body.getAttribute('data-baseline-model'));
    setCard('savings', formatPct(stats.savings_pct), stats.savings_pct === null ? '' : stats.savings_pct, formatUsd(Math.max(0, stats.baseline_cost_usd - stats.cost_usd)) + ' saved');
    byId('timeline-bucket').textContent = '(per ' + displayBucket + ')';
    timelineChart(byId('timeline-chart'), fillTimeline(timeline.points, timeline.bucket, displayBucket, sinceMs), displayBucket);
    var fmtCount = function (count) { return count + (stats.requests ? ' (' + Math.round((count / stats.requests) * 100) + '%)' : ''); };
    // The ledger groups pass-through requests (a concrete model named) under "none": they have no tier or intent.
    var mixLabel = function (key) { return key === 'none' ? 'not routed' : key; };
    barChart(byId('tier-mix'), mixRows(stats.by_tier), { title: 'Requests by tier', format: fmtCount, valueWidth: 80, accent: true, labelText: mixLabel });
    barChart(byId('intent-mix'), mixRows(stats.by_intent), { title: 'Requests by intent', format: fmtCount, valueWidth: 80, accent: true, labelText: mixLabel });
    modelCostChart(byId('model-chart'), stats.by_model);
    var body = clear(byId('model-table').tBodies[0]);
    Object.keys(stats.by_model).sort().forEach(function (model) {
      var row = stats.by_model[model];
      body.appendChild(el('tr', { 'data-model': model }, [
        el('th', { scope: 'row', text: model }),
        el('td', { class: 'num', 'data-field': 'requests', text: row.requests }),
        el('td', { class: 'num hide-narrow', 'data-field': 'errors', text: row.errors }),
        el('td', { class: 'num', 'data-field': 'cost_usd', 'data-value': row.cost_usd, text: formatUsd(row.cost_usd) }),
        el('td', { class: 'num', 'data-field': 'baseline_cost_usd', 'data-value': row.baseline_cost_usd, text: formatUsd(row.baseline_cost_usd) }),
        el('td', { class: 'num', 'data-field': 'savings_pct', text: formatPct(row.savings_pct) }),
      ]));
    });
  }

  function loadTraffic() {
    var seconds = Number(byId('traffic-since').value);
    var sinceMs = seconds ? Date.now() - seconds * 1000 : null;
    var since = sinceMs !== null ? '&since=' + encodeURIComponent(new Date(sinceMs).toISOString()) : '';
    var bucket = seconds && seconds <= 3600 ? 'minute' : 'hour';
    setStatus('traffic-status', 'Loading…');
    return Promise.all([api('GET', '/v1/stats?' + since.slice(1)), api('GET', '/v1/stats/timeseries?bucket=' + bucket + since)])
      .then(function (results) {
        var timeline = results[1];
        var spanMs = sinceMs !== null ? Date.now() - sinceMs : timeline.points.length ? Date.now() - Date.parse(timeline.points[0].start) : 0;
        var displayBucket = bucket === 'hour' && spanMs > 7 * BUCKET_MS.day ? 'day' : bucket;
        renderTraffic(results[0], timeline, displayBucket, sinceMs);
        setStatus('traffic-status', 'Updated ' + new Date().toLocaleTimeString() + '.');
      })
      .catch(function (error) { setStatus('traffic-status', describeFailure(error), true); });
  }

  byId('traffic-form').addEventListener('submit', function (event) { event.preventDefault(); loadTraffic(); });
  byId('traffic-since').addEventListener('change', function () { loadTraffic(); });

  // ------------------------------------------------------------ start

  window.addEventListener('hashchange', function () { showView(true); });
  showKeyState();
  showView(false);
  // For tests and the curious: the formatter the page uses for money.
  window.routerDashboard = { formatUsd: formatUsd };
})();
`;
