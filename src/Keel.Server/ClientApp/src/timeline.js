// A run's timeline: queued, each attempt running, waiting for a person, and retry back-off, as bars
// on one time axis.
const ms = (a, b) => new Date(b).getTime() - new Date(a).getTime();

// inFlight: the attempt_started event of an attempt not recorded yet (from the run's event stream), drawn as running.
export function segments(run, attempts, now = Date.now(), inFlight = null) {
  const rows = [];
  const start = new Date(run.createdAt).getTime();
  let previousEnd = start;
  attempts.forEach((a, i) => {
    const began = new Date(a.startedAt).getTime();
    const ended = began + a.durationMs;
    const decision = a.outcome === 'approved' || a.outcome === 'rejected';
    // Before a first step that is an approval, the run waited for a person, not in the queue.
    if (i === 0 && began > start && !decision) rows.push({ kind: 'queued', label: 'queued', from: start, to: began });
    const previous = attempts[i - 1];
    if (previous && previous.stepId === a.stepId && previous.visit === a.visit && a.attempt > 1 && began > previousEnd) {
      rows.push({ kind: 'backoff', label: `${a.stepId} · retry back-off`, from: previousEnd, to: began });
    }
    if (decision) {
      rows.push({ kind: 'waiting', label: `${a.stepId} · waiting for ${a.workerName}`, from: previousEnd, to: began, attempt: a });
    } else {
      rows.push({ kind: a.outcome, label: `${a.stepId} · attempt ${a.attempt}${a.visit > 1 ? ` (visit ${a.visit})` : ''}`, from: began, to: Math.max(ended, began + 1), attempt: a });
    }
    previousEnd = Math.max(previousEnd, ended);
  });
  if (run.state === 'waiting_for_approval') rows.push({ kind: 'waiting', label: `${run.currentStep} · waiting for a person`, from: previousEnd, to: now });
  const began = inFlight && (run.state === 'running' || run.state === 'pending') ? new Date(inFlight.timestamp).getTime() : null;
  if ((run.state === 'running' || run.state === 'pending') && attempts.length === 0) rows.push({ kind: 'queued', label: 'queued', from: start, to: began ?? now });
  if (began !== null) {
    rows.push({ kind: 'running', label: `${inFlight.step_id} · attempt ${inFlight.attempt}${inFlight.visit > 1 ? ` (visit ${inFlight.visit})` : ''} · running`, from: began, to: Math.max(now, began + 1) });
  }
  return rows;
}

export function render(container, run, attempts, inFlight = null) {
  const rows = segments(run, attempts, Date.now(), inFlight);
  if (rows.length === 0) { container.textContent = 'No attempts yet.'; return; }
  const from = Math.min(...rows.map((r) => r.from));
  const to = Math.max(...rows.map((r) => r.to));
  const span = Math.max(1, to - from);
  container.innerHTML = '';
  for (const row of rows) {
    const line = document.createElement('div');
    line.className = 'tl-row';
    line.dataset.kind = row.kind;
    const label = document.createElement('span');
    label.className = 'tl-label';
    label.textContent = row.label;
    const track = document.createElement('span');
    track.className = 'tl-track';
    const bar = document.createElement('span');
    bar.className = `tl-bar tl-${row.kind}`;
    bar.style.left = `${((row.from - from) / span) * 100}%`;
    bar.style.width = `${Math.max(0.5, ((row.to - row.from) / span) * 100)}%`;
    bar.title = `${row.kind}: ${(row.to - row.from).toFixed(0)} ms`;
    track.append(bar);
    const took = document.createElement('span');
    took.className = 'tl-took';
    took.textContent = formatDuration(row.to - row.from);
    line.append(label, track, took);
    container.append(line);
  }
}

export function formatDuration(value) {
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 60000) return `${(value / 1000).toFixed(1)} s`;
  if (value < 3600000) return `${Math.floor(value / 60000)} min ${Math.round((value % 60000) / 1000)} s`;
  return `${(value / 3600000).toFixed(1)} h`;
}

export { ms };
