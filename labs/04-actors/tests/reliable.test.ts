// Step 1–3: the reliability layer on its own, with two tiny actors built from it (src/probes.ts): a caller
// that sends `count` increments to a counter and answers its own client when every one is answered or has
// timed out.
import { type Simulator, type TraceEvent } from "@distlab/kit/sim";
import { beforeAll, describe, expect, it } from "vitest";
import type { Message, ReplyBody } from "../src/messages.ts";
import type { CallerData, ProbeRequest } from "../src/probes.ts";
import type { ActorState } from "../src/reliable.ts";
import { expectKitProbes, host } from "./host.ts";
import { eachSeed } from "./scenario.ts";

beforeAll(expectKitProbes);

/** Starts the caller and the counter; the test's client asks the caller to send `count` increments. */
function start(sim: Simulator, count: number, timeoutMs?: number) {
  sim.addNode("caller", host().node("probes.ts", "callerProbe"));
  sim.addNode("counter", host().node("probes.ts", "counterProbe"));
  const client = sim.addClient<Message<ProbeRequest>>("client");
  // The client does not retransmit: only the caller and the counter talk over the faulty links.
  for (const [from, to] of [
    ["client", "caller"],
    ["caller", "client"],
  ] as const)
    sim.setLink(from, to, { dropRate: 0, duplicateRate: 0 });
  client.send("caller", { type: "go", rid: "client#1", count, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
  const answers = () => client.inbox.flatMap(({ msg }) => (msg.type === "reply" ? [msg.body] : []));
  return {
    client,
    answers,
    answered: () => answers().length > 0,
    callerState: () => sim.state<ActorState<CallerData, ProbeRequest>>("caller"),
    counterState: () => sim.state<ActorState<{ value: number }, ProbeRequest>>("counter"),
  };
}

function sends(sim: Simulator, from: string, to: string): Array<Extract<TraceEvent, { kind: "send" }>> {
  return sim
    .traceEvents()
    .filter((e): e is Extract<TraceEvent, { kind: "send" }> => e.kind === "send" && e.from === from && e.to === to);
}

/** The client's one request may be answered more than once (the network duplicates too), always alike. */
function expectAnswer(answers: ReplyBody[], amount: number): void {
  expect(answers.length, "the client should get an answer").toBeGreaterThan(0);
  for (const body of answers) expect(body).toEqual({ ok: true, amount });
}

describe("request/reply with correlation ids, retransmission and dedup", () => {
  it("matches each reply to its request by correlation id [R04.1.1, R04.1.2, R04.P.1]", async () => {
    await eachSeed("matches replies by correlation id", 10, (sim) => {
      const run = start(sim, 5);
      expect(sim.runUntil(run.answered, { within: 5_000 }), "the caller never answered its client").toBe(true);
      sim.runFor(1_000);
      expectAnswer(run.answers(), 5);
      expect([...run.callerState().data.replies].sort()).toEqual([1, 2, 3, 4, 5]);
      expect(run.counterState().data.value).toBe(5);
      const rids = sends(sim, "caller", "counter").map((e) => (e.msg as { rid: string }).rid);
      expect(new Set(rids).size, "each request needs an id of its own").toBe(5);
      for (const rid of rids) expect(rid.startsWith("caller"), `request id ${rid} should name its sender`).toBe(true);
      expect(Object.keys(run.callerState().outbox), "answered requests must leave the outbox").toEqual([]);
    });
  });

  it("retransmits lost requests and replies until they get through (30% loss) [R04.2.2, R04.3.1, R04.P.2, R04.P.6]", async () => {
    let retransmitted = 0;
    await eachSeed("retransmits until a reply", 30, (sim) => {
      sim.configureNetwork({ dropRate: 0.3 });
      const run = start(sim, 5);
      expect(sim.runUntil(run.answered, { within: 30_000 }), "the caller never got all its replies").toBe(true);
      sim.runFor(2_000);
      expectAnswer(run.answers(), 5);
      expect(run.counterState().data.value, "a retransmitted increment was applied twice").toBe(5);
      expect(Object.keys(run.callerState().outbox)).toEqual([]);
      retransmitted += sends(sim, "caller", "counter").length - 5;
    });
    expect(retransmitted, "lost messages should have been sent again").toBeGreaterThan(0);
  });

  it("applies a duplicated request once, and answers every copy [R04.3.1, R04.3.2]", async () => {
    await eachSeed("applies duplicates once", 30, (sim) => {
      sim.configureNetwork({ duplicateRate: 0.4, dropRate: 0.1, reorderRate: 0.2 });
      const run = start(sim, 5);
      expect(sim.runUntil(run.answered, { within: 30_000 }), "the caller never got all its replies").toBe(true);
      sim.runFor(2_000);
      expectAnswer(run.answers(), 5);
      expect(run.counterState().data.value, "a duplicated increment was applied twice").toBe(5);
      expect([...run.callerState().data.replies].sort(), "a duplicated reply was handled twice").toEqual([
        1, 2, 3, 4, 5,
      ]);
    });
  });

  it("backs off while the other side is unreachable, then gets through after the heal [R04.2.1, R04.2.2]", async () => {
    await eachSeed("backs off", 10, (sim) => {
      sim.partition([["caller"], ["counter"]]);
      const run = start(sim, 5);
      sim.runFor(10_000);
      const tries = sends(sim, "caller", "counter");
      expect(tries.length, "5 requests retried for 10 s with backoff should take far fewer sends").toBeLessThanOrEqual(
        5 * 30,
      );
      expect(tries.length, "requests should keep being retried").toBeGreaterThanOrEqual(5 * 8);
      const first = tries.filter((e) => (e.msg as { rid: string }).rid === (tries[0]!.msg as { rid: string }).rid);
      const gaps = first.slice(1).map((e, i) => e.t - first[i]!.t);
      expect(gaps.at(-1)!, `the waits between retransmissions should grow (${gaps.join(", ")} ms)`).toBeGreaterThan(
        2 * gaps[0]!,
      );
      sim.heal();
      expect(sim.runUntil(run.answered, { within: 5_000 }), "after the heal the requests should get through").toBe(
        true,
      );
      expectAnswer(run.answers(), 5);
    });
  });

  it("gives up at the deadline, reports the timeout and stops sending [R04.2.2]", async () => {
    await eachSeed("gives up at the deadline", 10, (sim) => {
      sim.partition([["caller"], ["counter"]]);
      const run = start(sim, 3, 1_000);
      expect(sim.runUntil(run.answered, { within: 5_000 }), "the caller should report the timeouts").toBe(true);
      expect(sim.now, "the timeout should be reported at the deadline, not long after").toBeLessThan(1_000 + 100);
      expect(run.callerState().data.timeouts).toBe(3);
      expect(run.answers()[0]).toMatchObject({ ok: true, amount: 0 });
      sim.runFor(5_000);
      const late = sends(sim, "caller", "counter").filter((e) => e.t > 1_050);
      expect(late, "nothing should be sent after the deadline").toEqual([]);
      expect(Object.keys(run.callerState().outbox)).toEqual([]);
    });
  });

  it("waits between half its ceiling and the ceiling before each retransmission, spread by env.random() [R04.2.1, R04.P.4]", async () => {
    const firstWaits = new Set<number>();
    await eachSeed("spreads its retransmissions", 10, (sim) => {
      sim.partition([["caller"], ["counter"]]);
      start(sim, 5);
      sim.runFor(6_000);
      const times = new Map<string, number[]>();
      for (const send of sends(sim, "caller", "counter")) {
        const rid = (send.msg as { rid: string }).rid;
        times.set(rid, [...(times.get(rid) ?? []), send.t]);
      }
      for (const [rid, sent] of times) {
        for (let n = 1; n < sent.length; n++) {
          const wait = sent[n]! - sent[n - 1]!;
          const ceiling = Math.min(800, 50 * 2 ** (n - 1));
          expect(
            wait >= Math.floor(ceiling / 2) && wait <= ceiling,
            `${rid}: the wait after send ${n} was ${wait} ms; it must be between ${ceiling / 2} and ${ceiling}`,
          ).toBe(true);
          if (n === 1) firstWaits.add(wait);
        }
      }
    });
    expect(firstWaits.size, `the first waits of 50 requests were all ${[...firstWaits].join(", ")} ms`).toBeGreaterThan(
      5,
    );
  });

  it("cancels the retransmission timer of a request once its reply is in [R04.1.2]", async () => {
    await eachSeed("cancels answered timers", 5, (sim) => {
      sim.configureNetwork({ minDelay: 1, maxDelay: 5, dropRate: 0, duplicateRate: 0, reorderRate: 0 });
      const run = start(sim, 5);
      expect(sim.runUntil(run.answered, { within: 5_000 })).toBe(true);
      sim.runFor(2_000);
      const timers = sim.traceEvents().filter((e) => "node" in e && e.node === "caller" && "name" in e);
      const cancelled = timers.filter((e) => e.kind === "timer-cancel").length;
      const fired = timers.filter((e) => e.kind === "timer-fire").length;
      expect(cancelled, "each of the 5 answered requests should cancel its timer").toBe(5);
      expect(fired, "no retransmission timer should fire for a request already answered").toBe(0);
    });
  });

  it("swallows a copy of a request it is still working on, and answers once the work is done [R04.3.1, R04.P.5]", async () => {
    await eachSeed("swallows copies in progress", 10, (sim) => {
      sim.setLink("caller", "counter", { minDelay: 200, maxDelay: 300 });
      const run = start(sim, 5);
      sim.at(100, () => run.client.send("caller", { type: "go", rid: "client#1", count: 5 }));
      expect(sim.runUntil(run.answered, { within: 10_000 }), "the caller never answered its client").toBe(true);
      sim.runFor(3_000);
      expect(run.counterState().data.value, "the copy of go was handled as a new request").toBe(5);
      expect(run.answers(), "one answer, once the work was done").toEqual([{ ok: true, amount: 5 }]);
    });
  });

  it("ignores a reply that comes after the deadline [R04.1.2, R04.P.3]", async () => {
    await eachSeed("ignores late replies", 10, (sim) => {
      sim.setLink("caller", "counter", { minDelay: 1_500, maxDelay: 1_600 });
      const run = start(sim, 2, 1_000);
      sim.runFor(6_000);
      expect(run.answers()[0]).toMatchObject({ ok: true, amount: 0 });
      expect(run.callerState().data.replies, "a reply past the deadline reached the actor").toEqual([]);
      expect(run.callerState().data.timeouts).toBe(2);
    });
  });
});
