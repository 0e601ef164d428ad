import './style.css';
import { api, apiKey, setApiKey, stream } from './api.js';
import { overlay, draw } from './graph.js';
import { render as renderTimeline, formatDuration } from './timeline.js';

const app = document.getElementById('app');
let stopStreams = [];
const ENDED = ['completed', 'failed', 'cancelled'];

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}

function toast(text, bad = false) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.className = bad ? 'show bad' : 'show';
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.className = ''; }, 5000);
}

async function act(label, fn) {
  try {
    await fn();
    toast(label);
  } catch (error) {
    toast(error.message, true);
  }
}

const age = (iso) => formatDuration(Date.now() - new Date(iso).getTime());
const cost = (value) => (value === undefined || value === null ? '–' : `$${Number(value).toFixed(4)}`);
const stateBadge = (state) => h('span', { class: `state state-${state}`, 'data-state': state }, state.replaceAll('_', ' '));
const by = () => sessionStorage.getItem('keel.by') || '';

function stop() {
  stopStreams.forEach((s) => s());
  stopStreams = [];
}

// ---- runs list ---------------------------------------------------------------------------------
async function runsPage() {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const state = params.get('state') || '';
  const workflow = params.get('workflow') || '';
  const runs = new Map();
  let cursor = null;
  const tbody = h('tbody');
  const more = h('button', { class: 'secondary', onclick: () => load(false) }, 'Load more');
  const workflows = await api.get('/v1/workflows').catch(() => []);
  const filters = h('form', { class: 'filters', onsubmit: (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    const q = new URLSearchParams([...f.entries()].filter(([, v]) => v));
    location.hash = `#/?${q}`;
  } },
  h('label', {}, 'State ', h('select', { name: 'state' }, h('option', { value: '' }, 'any'),
    ...['pending', 'running', 'paused', 'waiting_for_approval', 'completed', 'failed', 'cancelled'].map((s) => h('option', { value: s, selected: s === state }, s.replaceAll('_', ' '))))),
  h('label', {}, 'Workflow ', h('select', { name: 'workflow' }, h('option', { value: '' }, 'any'),
    ...workflows.map((w) => h('option', { value: w.name, selected: w.name === workflow }, w.name)))),
  h('button', { type: 'submit', class: 'secondary' }, 'Filter'));

  const start = h('form', { class: 'start', id: 'start-run', onsubmit: (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    act('Run started', async () => {
      const run = await fetch('/v1/runs', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Idempotency-Key': crypto.randomUUID(), ...(apiKey() ? { 'X-Api-Key': apiKey() } : {}) },
        body: JSON.stringify({ workflow: f.get('workflow'), goal: f.get('goal') || undefined }),
      }).then(async (r) => { const v = await r.json(); if (!r.ok) throw new Error(v.detail || v.title); return v; });
      location.hash = `#/runs/${run.id}`;
    });
  } },
  h('strong', {}, 'Start a run'),
  h('select', { name: 'workflow', 'aria-label': 'workflow' }, ...workflows.map((w) => h('option', { value: w.name }, w.name))),
  h('input', { name: 'goal', placeholder: 'goal (default: the workflow\'s)', 'aria-label': 'goal', size: 40 }),
  h('button', { type: 'submit' }, 'Start'));

  const render = () => {
    const sorted = [...runs.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
    tbody.replaceChildren(...sorted.filter((r) => (!state || r.state === state) && (!workflow || r.workflow === workflow)).map((r) => h('tr', { 'data-run': r.id },
      h('td', {}, stateBadge(r.state)),
      h('td', {}, h('a', { href: `#/runs/${r.id}` }, r.workflow)),
      h('td', { class: 'goal' }, r.goal),
      h('td', {}, r.currentStep),
      h('td', { title: r.createdAt }, age(r.createdAt)),
      h('td', {}, ENDED.includes(r.state) ? formatDuration(r.durationMs) : '…'),
      h('td', {}, r.attempts),
      h('td', {}, (r.inputTokens + r.outputTokens) || '–'),
      h('td', {}, cost(r.cost)))));
  };
  const load = async (reset) => {
    const q = new URLSearchParams({ limit: '50' });
    if (state) q.set('state', state);
    if (workflow) q.set('workflow', workflow);
    if (!reset && cursor) q.set('cursor', cursor);
    const page = await api.get(`/v1/runs?${q}`);
    page.items.forEach((r) => runs.set(r.id, r));
    cursor = page.nextCursor || null;
    more.hidden = !cursor;
    render();
  };
  app.replaceChildren(h('section', {}, h('h1', {}, 'Runs'), start, filters,
    h('table', { class: 'runs' }, h('thead', {}, h('tr', {}, ...['State', 'Workflow', 'Goal', 'Step', 'Age', 'Duration', 'Attempts', 'Tokens', 'Cost'].map((c) => h('th', {}, c)))), tbody),
    more));
  await load(true);
  const ticking = setInterval(render, 10000);
  stopStreams.push(() => clearInterval(ticking));
  let pending = null;
  // The stream's snapshot names the newest runs of every state: it updates the runs listed and adds the
  // runs created since the first page was read, never the older ones the pages have not reached yet.
  const newest = [...runs.values()].reduce((m, r) => (r.createdAt > m ? r.createdAt : m), '');
  stopStreams.push(stream('/v1/events', (type, event) => {
    if (type !== 'run' || !event.run) return;
    if (!runs.has(event.run.id) && newest && event.run.createdAt < newest) return;
    runs.set(event.run.id, event.run);
    if (!pending) pending = setTimeout(() => { pending = null; render(); }, 150);
  }));
}

// ---- approvals inbox ---------------------------------------------------------------------------
async function approvalsPage() {
  const list = h('div', { class: 'inbox' });
  const name = h('input', { id: 'decider', placeholder: 'your name', value: by(), oninput: (e) => sessionStorage.setItem('keel.by', e.target.value) });
  const refresh = async () => {
    const items = await api.get('/v1/approvals');
    // The comments being typed, and the box being typed in, survive the re-render a live event makes.
    const typed = new Map([...list.querySelectorAll('article.approval')].map((a) => [a.dataset.key, a.querySelector('input.comment')?.value || '']));
    const focused = document.activeElement?.closest?.('article.approval')?.dataset.key;
    list.replaceChildren(...(items.length === 0 ? [h('p', { class: 'empty' }, 'Nothing waits for a decision.')] : items.map((a) => {
      const comment = h('input', { placeholder: 'why (recorded)', class: 'comment', 'aria-label': 'comment' });
      const decide = (verb) => act(`${verb === 'approve' ? 'Approved' : 'Rejected'} ${a.stepId}`, async () => {
        await api.post(`/v1/approvals/${a.runId}/${a.stepId}/${verb}`, { by: by() || undefined, comment: comment.value || undefined });
        await refresh();
      });
      comment.value = typed.get(`${a.runId}/${a.stepId}`) || '';
      return h('article', { class: 'approval', 'data-run': a.runId, 'data-key': `${a.runId}/${a.stepId}` },
        h('div', { class: 'prompt' }, a.prompt),
        h('div', { class: 'meta' }, h('a', { href: `#/runs/${a.runId}` }, `${a.workflow} · ${a.stepId}`), ` · ${a.goal} · waiting ${formatDuration(a.waitingSeconds * 1000)}`,
          a.deadline ? h('span', { class: 'deadline' }, ` · deadline ${new Date(a.deadline).toLocaleString()} (then ${a.onRejected})`) : null),
        h('div', { class: 'actions' }, comment,
          h('button', { class: 'approve', onclick: () => decide('approve') }, 'Approve'),
          h('button', { class: 'reject danger', onclick: () => decide('reject') }, 'Reject')));
    })));
    if (focused) list.querySelector(`article.approval[data-key="${CSS.escape(focused)}"] input.comment`)?.focus();
    document.getElementById('inbox-count').textContent = items.length || '';
  };
  app.replaceChildren(h('section', {}, h('h1', {}, 'Approvals'), h('label', {}, 'Deciding as ', name), list));
  await refresh();
  const ticking = setInterval(() => refresh().catch(() => {}), 30000);
  stopStreams.push(() => clearInterval(ticking));
  let pending = null;
  stopStreams.push(stream('/v1/events', () => { if (!pending) pending = setTimeout(() => { pending = null; refresh(); }, 300); }));
}

// ---- one run ------------------------------------------------------------------------------------
async function runPage(id) {
  const title = h('h1', {});
  const summary = h('dl', { class: 'summary' });
  const actions = h('div', { class: 'actions' });
  const graph = h('div', { class: 'graph', id: 'graph' });
  const timeline = h('div', { class: 'timeline', id: 'timeline' });
  const attemptsList = h('div', { class: 'attempts' });
  const lineage = h('div', { class: 'lineage' });
  app.replaceChildren(h('section', {}, title, summary, actions,
    h('div', { class: 'columns' }, h('div', {}, h('h2', {}, 'Graph'), graph), h('div', {}, h('h2', {}, 'Timeline'), timeline)),
    h('h2', {}, 'Lineage'), lineage, h('h2', {}, 'Attempts'), attemptsList));
  const graphView = await api.get(`/v1/runs/${id}/graph`);
  let drawn = '';
  // The attempt in flight, from the run's stream: its attempt_started, until its record (or the run's stop) arrives.
  let inFlight = null;
  const refresh = async () => {
    const detail = await api.get(`/v1/runs/${id}`);
    const run = detail.run;
    title.replaceChildren(`${run.workflow} `, stateBadge(run.state));
    summary.replaceChildren(...[
      ['Run', run.id], ['Goal', run.goal], ['Step', run.currentStep], ['Created', new Date(run.createdAt).toLocaleString()],
      ['Duration', formatDuration(run.durationMs)], ['Tokens', `${run.inputTokens} in, ${run.outputTokens} out`], ['Cost', cost(run.cost)],
      ...(run.error ? [['Error', run.error]] : []), ...(detail.prompt ? [['Waiting for', detail.prompt]] : []),
      ...(detail.deadline ? [['Deadline', new Date(detail.deadline).toLocaleString()]] : []),
    ].flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
    const waiting = run.state === 'waiting_for_approval';
    const ended = ENDED.includes(run.state);
    const comment = h('input', { placeholder: 'why (recorded)', class: 'comment', 'aria-label': 'comment' });
    actions.replaceChildren(
      ...(waiting ? [comment,
        h('button', { class: 'approve', onclick: () => act('Approved', () => api.post(`/v1/approvals/${id}/${run.currentStep}/approve`, { by: by() || undefined, comment: comment.value || undefined })) }, 'Approve'),
        h('button', { class: 'reject danger', onclick: () => act('Rejected', () => api.post(`/v1/approvals/${id}/${run.currentStep}/reject`, { by: by() || undefined, comment: comment.value || undefined })) }, 'Reject')] : []),
      h('button', { class: 'danger', disabled: ended, onclick: () => {
        // Backing out of the prompt (Cancel, Esc) cancels nothing.
        const reason = window.prompt('Why cancel?');
        if (reason === null) return;
        act('Cancel requested', () => api.post(`/v1/runs/${id}/cancel`, { reason: reason || undefined }));
      } }, 'Cancel'),
      h('button', { class: 'secondary pause', disabled: ended || waiting || run.state === 'paused', onclick: () => act('Pause requested', () => api.post(`/v1/runs/${id}/pause`)) }, 'Pause'),
      h('button', { class: 'secondary resume', disabled: ended || waiting, onclick: () => act('Resume requested', () => api.post(`/v1/runs/${id}/resume`)) }, 'Resume'),
      h('button', { class: 'secondary', disabled: detail.attempts.length === 0, onclick: () => fork(id, detail.attempts) }, 'Fork…'));
    const text = overlay(graphView, run, detail.attempts);
    if (text !== drawn) { drawn = text; await draw(graph, text); }
    const running = inFlight && (run.state === 'running' || run.state === 'pending') ? inFlight : null;
    renderTimeline(timeline, run, detail.attempts, running);
    lineage.replaceChildren(...[
      // A fork names the attempt it started from; a sub-workflow's child run has a parent and no such attempt.
      run.parentRunId
        ? (run.parentSequence === undefined || run.parentSequence === null
          ? h('p', {}, 'Child run of ', h('a', { href: `#/runs/${run.parentRunId}` }, run.parentRunId), ' (a sub-workflow step)')
          : h('p', {}, 'Forked from ', h('a', { href: `#/runs/${run.parentRunId}` }, run.parentRunId), ` at attempt #${run.parentSequence}`))
        : h('p', {}, 'An original run.'),
      detail.children.length ? h('p', {}, 'Forks: ', ...detail.children.map((c) => h('a', { href: `#/runs/${c.id}`, class: 'child' }, `${c.id.slice(0, 8)} (${c.state})`))) : null].filter(Boolean));
    // An attempt opened to read stays open when a live event redraws the list.
    const open = new Set([...attemptsList.querySelectorAll('details.attempt[open]')].map((d) => d.dataset.sequence));
    attemptsList.replaceChildren(...detail.attempts.map((a) => h('details', { class: `attempt outcome-${a.outcome}`, 'data-sequence': a.sequence, open: open.has(String(a.sequence)) },
      h('summary', {}, `#${a.sequence} ${a.stepId} · ${a.workerName} · attempt ${a.attempt}${a.visit > 1 ? `, visit ${a.visit}` : ''} · `, h('span', { class: 'outcome' }, a.outcome), ` · ${formatDuration(a.durationMs)}`,
        a.inputTokens !== undefined ? ` · ${a.inputTokens}+${a.outputTokens} tokens` : '', a.cost !== undefined ? ` · ${cost(a.cost)}` : '', ` → ${a.nextStep}`),
      h('div', { class: 'io' },
        h('div', {}, h('h3', {}, 'Input'), h('pre', {}, JSON.stringify(a.input ?? null, null, 2))),
        h('div', {}, h('h3', {}, 'Output'), h('pre', {}, JSON.stringify(a.output ?? null, null, 2))),
        a.error ? h('div', {}, h('h3', {}, a.outcome === 'invalid_output' ? 'Validation verdict' : 'Error'), h('pre', { class: 'error' }, a.error)) : null,
        h('p', { class: 'meta' }, `model ${a.model ?? '–'} · started ${new Date(a.startedAt).toLocaleString()} · idempotency key ${a.idempotencyKey}`),
        a.workerType === 'workflow' ? h('p', { class: 'meta' }, 'Child run: ', h('a', { href: `#/runs/${a.workerName}`, class: 'child-run' }, a.workerName)) : null,
        h('button', { class: 'secondary rerun', onclick: () => rerun(id, a.sequence) }, 'Re-run this step alone')))));
    if (running) {
      const since = formatDuration(Date.now() - new Date(running.timestamp).getTime());
      attemptsList.append(h('div', { class: 'in-flight', 'data-step': running.step_id },
        `${running.step_id} · ${running.worker_name} · attempt ${running.attempt}${running.visit > 1 ? `, visit ${running.visit}` : ''} · running for ${since}`));
    }
    return run;
  };
  const run = await refresh();
  let pending = null;
  stopStreams.push(stream(`/v1/runs/${id}/events`, (type, event) => {
    if (type === 'attempt_started') inFlight = event;
    else if (['attempt_recorded', 'run_ended', 'run_paused', 'run_parked', 'lease_lost'].includes(type)) inFlight = null;
    if (!pending) pending = setTimeout(() => { pending = null; refresh().catch((e) => toast(e.message, true)); }, 100);
  }, { resumable: true }));
  // The running bar and its time grow while the attempt runs.
  const ticking = setInterval(() => { if (inFlight) refresh().catch(() => {}); }, 1000);
  stopStreams.push(() => clearInterval(ticking));
  // A fork started from this page, or a decision made elsewhere, shows up in the list of runs' stream too.
  void run;
}

// A new run, linked to this one, that runs this one attempt again and stops (the steps after it do not run).
function rerun(id, sequence) {
  act('Re-run started', async () => {
    const run = await api.post(`/v1/runs/${id}/steps/${sequence}/rerun`, {});
    location.hash = `#/runs/${run.id}`;
  });
}

function fork(id, attempts) {
  const sequence = window.prompt(`Fork at which attempt? (0 to ${attempts.length - 1})`, String(attempts.length - 1));
  if (sequence === null) return;
  const data = window.prompt('Data to set in the fork (JSON object, may be empty)', '{}');
  if (data === null) return;
  act('Forked', async () => {
    const run = await api.post(`/v1/runs/${id}/fork`, { sequence: Number(sequence), data: JSON.parse(data || '{}') });
    location.hash = `#/runs/${run.id}`;
  });
}

// ---- routing --------------------------------------------------------------------------------------
async function route() {
  stop();
  const path = location.hash.replace(/^#/, '').split('?')[0] || '/';
  document.querySelectorAll('[data-nav]').forEach((a) => a.classList.toggle('active', (path.startsWith('/approvals') ? 'approvals' : 'runs') === a.dataset.nav));
  try {
    const run = path.match(/^\/runs\/([^/]+)$/);
    if (run) await runPage(decodeURIComponent(run[1]));
    else if (path === '/approvals') await approvalsPage();
    else await runsPage();
  } catch (error) {
    app.replaceChildren(h('p', { class: 'error' }, error.status !== 401 ? error.message
      : apiKey() ? 'This server does not accept the API key entered above: check it, or clear it to try without one.'
        : 'This server needs an API key: enter it above.'));
  }
}

const keyInput = document.getElementById('api-key');
keyInput.value = apiKey();
keyInput.addEventListener('change', () => { setApiKey(keyInput.value.trim()); route(); });
window.addEventListener('hashchange', route);
route();
// The approvals badge follows the runs: a run reaching or leaving an approval step counts it again.
const countApprovals = () => api.get('/v1/approvals').then((a) => { document.getElementById('inbox-count').textContent = a.length || ''; }).catch(() => {});
const waiting = new Map();
let recount = null;
countApprovals();
stream('/v1/events', (type, event) => {
  if (type !== 'run' || !event.run) return;
  const now = event.run.state === 'waiting_for_approval';
  if ((waiting.get(event.run.id) ?? false) === now) return;
  waiting.set(event.run.id, now);
  if (!recount) recount = setTimeout(() => { recount = null; countApprovals(); }, 300);
});
