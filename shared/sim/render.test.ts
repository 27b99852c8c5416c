import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseTrace, readTraceFile, renderHtmlTimeline, renderTextTimeline } from "./render.ts";
import { Simulator } from "./simulator.ts";
import { echoNode, senderNode } from "./test-nodes.ts";

function faultyRun(): Simulator {
  const sim = new Simulator({ seed: 4, name: "ping with faults", network: { dropRate: 0.2 } });
  sim.addNode("a", senderNode(6));
  sim.addNode("b", echoNode);
  sim.runFor(5);
  sim.partition([["a"], ["b"]]);
  sim.runFor(20);
  sim.heal();
  sim.crash("b");
  sim.restart("b");
  return sim;
}

describe("trace rendering", () => {
  it("writes a trace file that reads back into the same events", () => {
    const dir = mkdtempSync(join(tmpdir(), "distlab-render-"));
    try {
      const sim = faultyRun();
      sim.writeTrace(join(dir, "run.jsonl"));
      const trace = readTraceFile(join(dir, "run.jsonl"));
      expect(trace.header).toMatchObject({ seed: 4, scenario: "ping with faults", nodes: ["a", "b"] });
      expect(trace.events).toEqual(sim.traceEvents());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("prints a timeline with times, nodes, message summaries and highlighted faults", () => {
    const sim = faultyRun();
    const text = renderTextTimeline(parseTrace(sim.traceLines().join("\n")));
    expect(text).toMatch(/\d+ms {2}a {5}→ b {2}#1 \{"n":1,"type":"ping"\}/);
    expect(text).toMatch(/← a {2}#\d+ \{"n":\d,"type":"ping"\}/);
    expect(text).toMatch(/PARTITION a \| b {2}◀◀◀/);
    expect(text).toMatch(/b {5}CRASHED .* ◀◀◀/);
    expect(text).toContain("dropped (");
  });

  it("builds a self-contained HTML page with one column per node and linked messages", () => {
    const html = renderHtmlTimeline(parseTrace(faultyRun().traceLines().join("\n")));
    expect(html).toContain("<th>a</th><th>b</th>");
    expect(html).toMatch(/<td class="send" data-mid="1"/);
    expect(html).toMatch(/<td class="deliver" data-mid="1"/);
    expect(html).toContain('class="fault crash"');
    expect(html).not.toMatch(/<script src=|<link /);
  });

  it("names the line of a malformed trace", () => {
    expect(() => parseTrace('{"kind":"header"}\n{"t":1,"kind":"crash","node":"a"}\nnot json')).toThrowError(
      /line 3: not JSON/,
    );
  });
});
