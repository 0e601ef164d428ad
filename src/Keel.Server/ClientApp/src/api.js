// The dashboard reads only Keel's public HTTP API and its event streams.
const keyStore = window.sessionStorage;

export function apiKey() {
  return keyStore.getItem('keel.apiKey') || '';
}

export function setApiKey(value) {
  if (value) keyStore.setItem('keel.apiKey', value);
  else keyStore.removeItem('keel.apiKey');
}

function headers(extra) {
  const h = { Accept: 'application/json', ...extra };
  const key = apiKey();
  if (key) h['X-Api-Key'] = key;
  return h;
}

export class ApiError extends Error {
  constructor(problem, status) {
    const fields = problem && problem.errors ? Object.entries(problem.errors).map(([f, m]) => `${f}: ${m.join(', ')}`).join('; ') : '';
    super((problem && (problem.detail || problem.title)) + (fields && !(problem.detail || '').includes(fields) ? ` (${fields})` : '') || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function send(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const value = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(value, response.status);
  return value;
}

export const api = {
  get: (path) => send('GET', path),
  post: (path, body) => send('POST', path, body ?? {}),
};

// Server-sent events over fetch (EventSource cannot send the API key header). Reconnects with
// Last-Event-ID, so a run's stream neither skips nor repeats an event; it ends after run_ended. Returns a function that stops it.
export function stream(path, onEvent, { resumable = false } = {}) {
  let stopped = false;
  let lastId = null;
  const controller = new AbortController();
  (async () => {
    while (!stopped) {
      try {
        const h = headers({ Accept: 'text/event-stream' });
        if (resumable && lastId) h['Last-Event-ID'] = lastId;
        const response = await fetch(path, { headers: h, signal: controller.signal });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = '';
        let ended = false;
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let cut;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            let id = null, type = 'message', data = null;
            for (const line of block.split('\n')) {
              if (line.startsWith('id: ')) id = line.slice(4);
              else if (line.startsWith('event: ')) type = line.slice(7);
              else if (line.startsWith('data: ')) data = line.slice(6);
            }
            if (data === null) continue;
            if (id) lastId = id;
            if (type === 'run_ended') ended = true;
            onEvent(type, JSON.parse(data));
          }
        }
        if (ended || !resumable) { if (ended) return; }
      } catch (error) {
        if (stopped) return;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  return () => { stopped = true; controller.abort(); };
}
