// Draws a workflow's graph (nodes and edges from the API) as Mermaid, with a run laid over it:
// the path taken, the current step, steps that failed, loop-backs and how often each step ran.
import mermaid from 'mermaid';

mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral', flowchart: { htmlLabels: false } });

const escape = (text) => String(text).replace(/["<>#]/g, (c) => ({ '"': "'", '<': '‹', '>': '›', '#': '♯' })[c]);

export function overlay(graph, run, attempts) {
  const ids = new Map(graph.nodes.map((n, i) => [n.id, `n${i}`]));
  const order = new Map(graph.nodes.map((n, i) => [n.id, i]));
  const visits = new Map();
  const failed = new Set();
  const taken = new Map();
  for (const a of attempts) {
    visits.set(a.stepId, Math.max(visits.get(a.stepId) || 0, a.visit));
    if (['failed', 'invalid_output', 'timed_out', 'rejected'].includes(a.outcome)) failed.add(a.stepId);
    if (a.outcome === 'cancelled') continue;
    const kind = a.nextStep === a.stepId && a.outcome !== 'succeeded' ? 'retry'
      : ['succeeded', 'approved'].includes(a.outcome) ? 'success' : 'failure';
    const key = `${a.stepId}|${a.nextStep}|${kind}`;
    taken.set(key, (taken.get(key) || 0) + 1);
    // A success routed by its label takes the step's label edge to that target.
    if (kind === 'success') {
      const labelled = `${a.stepId}|${a.nextStep}|label`;
      taken.set(labelled, (taken.get(labelled) || 0) + 1);
    }
  }
  const lines = ['flowchart TD'];
  for (const node of graph.nodes) {
    const id = ids.get(node.id);
    const count = visits.get(node.id);
    const label = escape(node.id) + (node.kind === 'step' ? `\n${escape(node.label)}` : '') + (count > 1 ? `\n×${count} visits` : '');
    const shape = node.kind === 'approval' ? [`{{"`, `"}}`] : node.kind === 'terminal' ? [`(["`, `"])`] : [`["`, `"]`];
    lines.push(`  ${id}${shape[0]}${label}${shape[1]}`);
  }
  const styles = [];
  graph.edges.forEach((edge, index) => {
    const count = taken.get(`${edge.from}|${edge.to}|${edge.kind}`) || 0;
    const loopBack = count > 0 && (edge.kind === 'failure' || edge.kind === 'label') && order.get(edge.to) < order.get(edge.from);
    const label = escape(edge.label || '') + (loopBack ? ' · loop-back' : '') + (count > 1 ? ` ×${count}` : '');
    // An edge without a label (a branch to its join) is drawn without one: Mermaid refuses an empty |""|.
    lines.push(label.trim().length > 0
      ? `  ${ids.get(edge.from)} -->|"${label}"| ${ids.get(edge.to)}`
      : `  ${ids.get(edge.from)} --> ${ids.get(edge.to)}`);
    if (count > 0) styles.push(`  linkStyle ${index} stroke:${loopBack || edge.kind !== 'success' ? '#dc2626' : '#2563eb'},stroke-width:3px`);
  });
  lines.push(...styles);
  lines.push('  classDef visited fill:#dbeafe,stroke:#2563eb,stroke-width:2px');
  lines.push('  classDef failedStep fill:#fee2e2,stroke:#dc2626,stroke-width:2px');
  lines.push('  classDef current fill:#fef3c7,stroke:#d97706,stroke-width:4px');
  lines.push('  classDef done fill:#dcfce7,stroke:#16a34a,stroke-width:3px');
  for (const node of graph.nodes) {
    const id = ids.get(node.id);
    const ended = ['completed', 'failed', 'cancelled'].includes(run.state);
    if (node.id === run.currentStep) lines.push(`  class ${id} ${ended ? (run.state === 'completed' ? 'done' : 'failedStep') : 'current'}`);
    else if (failed.has(node.id)) lines.push(`  class ${id} failedStep`);
    else if (visits.has(node.id)) lines.push(`  class ${id} visited`);
  }
  return lines.join('\n');
}

let counter = 0;
export async function draw(element, text) {
  const id = `graph${++counter}`;
  try {
    const { svg } = await mermaid.render(id, text);
    element.innerHTML = svg;
  } catch (error) {
    // The rest of the page stands without its graph; Mermaid's own error box (left in the body) is removed.
    document.getElementById(`d${id}`)?.remove();
    document.getElementById(id)?.remove();
    element.textContent = `The graph cannot be drawn: ${error.message || error}`;
  }
  element.dataset.source = text;
}
