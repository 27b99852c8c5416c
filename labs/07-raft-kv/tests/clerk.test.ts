// The clerk alone (README step 4), with the servers played by the test: which server each request goes
// to and when, with which session and sequence number, how it follows a named leader, moves on when a
// server is silent, backs off after a round without a leader, and gives up at its deadline.
import { nodeHost } from "@distlab/kit/sandbox";
import { Simulator, type SimClient } from "@distlab/kit/sim";
import { describe, expect, it } from "vitest";
import type { ClerkOptions } from "../src/clerk.ts";
import {
  CLERK_BACKOFF_CAP_MS,
  CLERK_BACKOFF_MS,
  CLERK_RETRY_MS,
  type KvMessage,
  type Request,
} from "../src/messages.ts";

const SERVERS = ["s1", "s2", "s3"];
const DIRECT = { minDelay: 0, maxDelay: 0, dropRate: 0, duplicateRate: 0, reorderRate: 0, fifo: true };

interface Sent {
  to: string;
  time: number;
  request: Request;
}

/** A clerk in the node host; the servers and the driver are endpoints of the test. */
class ClerkUnderTest {
  readonly sent: Sent[] = [];
  readonly done: Array<KvMessage & { time: number }> = [];
  /** What each server answers a request: a reply, notLeader, or nothing. */
  answer: (server: string, request: Request) => KvMessage | undefined = () => undefined;
  private readonly servers = new Map<string, SimClient<KvMessage>>();
  private nextId = 0;

  private constructor(readonly sim: Simulator) {
    for (const id of SERVERS) {
      this.servers.set(
        id,
        sim.addClient<KvMessage>(id, (_from, msg) => {
          if (msg.type !== "request") return;
          this.sent.push({ to: id, time: sim.now, request: msg });
          const reply = this.answer(id, msg);
          if (reply !== undefined) this.servers.get(id)!.send("c1", reply);
        }),
      );
    }
    sim.addClient<KvMessage>("driver", (_from, msg) => this.done.push({ ...msg, time: sim.now }));
  }

  static async open(seed: number, options: Partial<ClerkOptions> = {}): Promise<ClerkUnderTest> {
    const sim = new Simulator({ seed, name: "clerk" });
    const clerk = new ClerkUnderTest(sim);
    for (const id of [...SERVERS, "driver"]) {
      sim.setLink("c1", id, DIRECT);
      sim.setLink(id, "c1", DIRECT);
    }
    sim.addNode("c1", (await nodeHost()).node("clerk.ts", "clerkNode", { servers: SERVERS, ...options }));
    return clerk;
  }

  invoke(key = "k"): number {
    const id = ++this.nextId;
    this.sim.clientSend("driver", "c1", { type: "invoke", id, op: { op: "put", key, value: `v${id}` } });
    return id;
  }
}

const reply = (request: Request): KvMessage => ({ type: "reply", seq: request.seq, result: { version: request.seq } });

describe("the clerk (README step 4)", () => {
  it("numbers operations 1, 2, 3 in one session, and retries an operation with the same number [R07.4.1, R07.4.3]", async () => {
    const clerk = await ClerkUnderTest.open(1);
    let silent = true;
    clerk.answer = (_server, request) => (silent ? undefined : reply(request));
    clerk.invoke();
    clerk.sim.runFor(CLERK_RETRY_MS * 2 + 10);
    expect(clerk.sent.length, "no answer: the clerk tries again after each retry period").toBe(3);
    const [first, second, third] = clerk.sent;
    expect(second!.time - first!.time).toBe(CLERK_RETRY_MS);
    expect(new Set(clerk.sent.map((s) => s.to)).size, "each retry goes to the next server").toBe(3);
    expect(clerk.sent.map((s) => [s.request.client, s.request.seq])).toEqual([
      [first!.request.client, 1],
      [first!.request.client, 1],
      [first!.request.client, 1],
    ]);
    expect(third!.request.op).toEqual(first!.request.op);
    silent = false;
    clerk.sim.runFor(CLERK_RETRY_MS);
    clerk.invoke();
    clerk.invoke();
    clerk.sim.runFor(50);
    expect(clerk.done.map((d) => d.type === "done" && d.id)).toEqual([1, 2, 3]);
    expect(clerk.sent.slice(-2).map((s) => s.request.seq)).toEqual([2, 3]);
    expect(new Set(clerk.sent.map((s) => s.request.client)).size, "one session for the clerk's life").toBe(1);
  });

  it("follows the leader a server names at once, and starts the next operation there [R07.4.2, R07.4.5]", async () => {
    const clerk = await ClerkUnderTest.open(2);
    clerk.answer = (server, request) =>
      server === "s3" ? reply(request) : { type: "notLeader", seq: request.seq, leader: "s3" };
    clerk.invoke();
    clerk.sim.runFor(20);
    expect(clerk.sent.at(-1)!.to).toBe("s3");
    expect(clerk.sent.length, "at most one detour before the named leader").toBeLessThanOrEqual(2);
    expect(clerk.sent.at(-1)!.time - clerk.sent[0]!.time, "the named leader is asked at once").toBe(0);
    clerk.invoke();
    clerk.sim.runFor(20);
    expect(clerk.sent.at(-1)).toMatchObject({ to: "s3", request: { seq: 2 } });
    expect(clerk.sent.filter((s) => s.request.seq === 2).length, "the next operation starts at the leader").toBe(1);
  });

  it("ignores a notLeader from a server it did not just ask, or about another operation [R07.4.2]", async () => {
    const clerk = await ClerkUnderTest.open(3);
    clerk.invoke();
    clerk.sim.runFor(1);
    const asked = clerk.sent[0]!.to;
    const other = SERVERS.find((s) => s !== asked)!;
    clerk.sim.clientSend(other, "c1", { type: "notLeader", seq: 1, leader: other });
    clerk.sim.clientSend(asked, "c1", { type: "notLeader", seq: 7, leader: other });
    clerk.sim.runFor(10);
    expect(clerk.sent.length, "those answers must not make the clerk send again").toBe(1);
  });

  it("backs off after a whole round without a leader, doubling with jitter up to the cap [R07.4.4, R07.P.9]", async () => {
    const clerk = await ClerkUnderTest.open(4);
    clerk.answer = (_server, request) => ({ type: "notLeader", seq: request.seq, leader: null });
    clerk.invoke();
    clerk.sim.runFor(4_000);
    const times = clerk.sent.map((s) => s.time);
    const pauses: number[] = [];
    for (let i = 1; i < times.length; i++) {
      const gap = times[i]! - times[i - 1]!;
      if (i % SERVERS.length === 0) pauses.push(gap);
      else expect(gap, "within a round, the next server is asked at once").toBe(0);
    }
    expect(pauses.length, "rounds in 4 s of no leader").toBeGreaterThan(8);
    pauses.forEach((pause, k) => {
      const base = Math.min(CLERK_BACKOFF_CAP_MS, CLERK_BACKOFF_MS * 2 ** k);
      expect(pause, `pause after round ${k + 1}`).toBeGreaterThanOrEqual(Math.floor(base / 2));
      expect(pause, `pause after round ${k + 1}`).toBeLessThanOrEqual(base);
    });
    const capped = pauses.filter((_, k) => CLERK_BACKOFF_MS * 2 ** k >= CLERK_BACKOFF_CAP_MS);
    expect(new Set(capped).size, "pauses are jittered, not all the same").toBeGreaterThan(1);
    expect(clerk.sent.length, "requests sent in 4 s without a leader").toBeLessThan(60);
  });

  it("answers unknown when its deadline passes without an answer [R07.4.6]", async () => {
    const clerk = await ClerkUnderTest.open(5, { deadlineMs: 500 });
    clerk.invoke();
    clerk.sim.runFor(1_000);
    expect(clerk.done).toEqual([{ type: "done", id: 1, unknown: true, time: 500 }]);
  });

  it("takes a new session when it starts again, so its sequence numbers never clash [R07.4.1]", async () => {
    const clerk = await ClerkUnderTest.open(6);
    clerk.answer = (_server, request) => reply(request);
    clerk.invoke();
    clerk.sim.runFor(20);
    clerk.sim.crash("c1");
    clerk.sim.restart("c1");
    clerk.invoke();
    clerk.sim.runFor(20);
    const sessions = clerk.sent.map((s) => s.request.client);
    expect(sessions.length).toBe(2);
    expect(sessions[0], "a restarted clerk reusing its session would reuse seq 1").not.toBe(sessions[1]);
  });
});
