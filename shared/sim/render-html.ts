// A trace as one self-contained HTML page: a column per node, rows in time order, each message drawn
// as an arrow from its send to its delivery, drops and faults marked. No external assets.
import { describeEvent, eventNode, isFault, messagePayloads, type ParsedTrace } from "./render.ts";
import type { TraceEvent } from "./types.ts";

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const STYLE = `
body { font: 13px/1.35 system-ui, sans-serif; margin: 1rem; color: #222; }
h1 { font-size: 1.1rem; }
.wrap { position: relative; }
table { border-collapse: collapse; table-layout: fixed; }
th, td { border-bottom: 1px solid #eee; padding: 2px 8px; vertical-align: top; width: 16rem; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
th { position: sticky; top: 0; background: #fafafa; border-bottom: 2px solid #ccc; z-index: 2; }
td.time, th.time { width: 5rem; text-align: right; color: #777; }
.send { color: #1b5e20; } .deliver { color: #0d47a1; } .drop { color: #b71c1c; font-weight: 600; }
.timer { color: #777; } .log { color: #4a148c; } .duplicate { color: #e65100; }
.note { color: #004d40; background: #e0f2f1; font-weight: 600; }
tr.fault td { background: #fff3e0; font-weight: 600; } tr.fault.crash td { background: #ffebee; }
svg.arrows { position: absolute; left: 0; top: 0; pointer-events: none; z-index: 1; }
svg.arrows line { stroke: #90a4ae; stroke-width: 1; } svg.arrows line.hot { stroke: #d81b60; stroke-width: 2; }
`;

// Draws an arrow from each send cell to each delivery cell of the same message, and highlights the pair under the mouse.
const SCRIPT = `
(() => {
  const wrap = document.querySelector(".wrap");
  const svg = document.querySelector("svg.arrows");
  const ns = "http://www.w3.org/2000/svg";
  const draw = () => {
    svg.replaceChildren();
    const base = wrap.getBoundingClientRect();
    svg.setAttribute("width", wrap.scrollWidth); svg.setAttribute("height", wrap.scrollHeight);
    const sends = new Map();
    for (const cell of wrap.querySelectorAll("td.send")) sends.set(cell.dataset.mid, cell);
    for (const cell of wrap.querySelectorAll("td.deliver, td.drop")) {
      const from = sends.get(cell.dataset.mid);
      if (!from) continue;
      const a = from.getBoundingClientRect(), b = cell.getBoundingClientRect();
      const line = document.createElementNS(ns, "line");
      line.setAttribute("x1", a.left - base.left + 12); line.setAttribute("y1", a.top - base.top + a.height / 2);
      line.setAttribute("x2", b.left - base.left + 12); line.setAttribute("y2", b.top - base.top + b.height / 2);
      line.dataset.mid = cell.dataset.mid;
      if (cell.classList.contains("drop")) line.setAttribute("stroke-dasharray", "4 3");
      svg.appendChild(line);
    }
  };
  wrap.addEventListener("mouseover", (e) => {
    const mid = e.target.closest("td")?.dataset.mid;
    for (const line of svg.children) line.classList.toggle("hot", mid !== undefined && line.dataset.mid === mid);
  });
  draw();
  addEventListener("resize", draw);
})();
`;

export function renderHtmlTimeline(trace: ParsedTrace, { maxEvents = 20_000 }: { maxEvents?: number } = {}): string {
  const events = trace.events.slice(0, maxEvents);
  const messages = messagePayloads(trace.events);
  const columns = trace.nodes;
  const title =
    trace.header === undefined
      ? "distlab trace"
      : `distlab trace: ${trace.header.scenario} (seed ${trace.header.seed})`;
  const rows = events.map((event) => renderRow(event, columns, messages));
  const truncated =
    trace.events.length > events.length
      ? `<p>Showing the first ${events.length} of ${trace.events.length} events.</p>`
      : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(title)}</h1>${truncated}
<p>Hover a message to highlight its arrow. Dashed arrows end in a drop; shaded rows are crashes, restarts and partitions.</p>
<div class="wrap"><svg class="arrows"></svg><table>
<thead><tr><th class="time">time</th>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr></thead>
<tbody>
${rows.join("\n")}
</tbody></table></div>
<script>${SCRIPT}</script></body></html>
`;
}

function renderRow(event: TraceEvent, columns: string[], messages: Map<number, unknown>): string {
  const text = escapeHtml(describeEvent(event, messages));
  const time = `<td class="time">${event.t}ms</td>`;
  if (isFault(event)) {
    const node = eventNode(event);
    const label = node === undefined ? text : `${escapeHtml(node)}: ${text}`;
    return `<tr class="fault ${event.kind}">${time}<td colspan="${columns.length}">${label}</td></tr>`;
  }
  const where = eventNode(event);
  const mid = "mid" in event ? ` data-mid="${event.mid}"` : "";
  const cells = columns.map((column) =>
    column === where ? `<td class="${cssClass(event)}"${mid} title="${text}">${text}</td>` : "<td></td>",
  );
  return `<tr>${time}${cells.join("")}</tr>`;
}

function cssClass(event: TraceEvent): string {
  if (event.kind.startsWith("timer")) return "timer";
  return event.kind;
}
