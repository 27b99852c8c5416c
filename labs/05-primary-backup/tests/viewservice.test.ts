// Step 1: the view service on its own. The server here are the test's: they ping on time, stop when
// told, and acknowledge a view only when the test says so, so every rule of the view service shows.
import { nodeHost } from "@distlab/kit/sandbox";
import { Simulator, type SimClient } from "@distlab/kit/sim";
import { describe, expect, it } from "vitest";
import type { Message, View } from "../src/messages.ts";
import type { ViewServiceState } from "../src/viewservice.ts";
import { describeView, VS } from "./system.ts";

const PING_MS = 25;

/** A server played by the test: pings every PING_MS with the view it says it has taken on. */
class TestServer {
  latest: View | null = null;
  /** Ping with the latest view heard of (taking every view on at once), or with a fixed number. */
  acks: "latest" | number = "latest";
  pinging = true;
  private readonly endpoint: SimClient<Message>;

  constructor(
    private readonly sim: Simulator,
    readonly id: string,
  ) {
    this.endpoint = sim.addClient<Message>(id, (_from, msg) => {
      if (msg.type === "view" && (this.latest === null || msg.view.num > this.latest.num)) this.latest = msg.view;
    });
    this.tick();
  }

  private tick(): void {
    if (this.pinging) this.endpoint.send(VS, { type: "ping", view: this.ackedNum() });
    this.sim.after(PING_MS, () => this.tick());
  }

  private ackedNum(): number {
    return this.acks === "latest" ? (this.latest?.num ?? 0) : this.acks;
  }

  /** Stops pinging for good (a crash, as the view service sees it). */
  die(): void {
    this.pinging = false;
  }

  /** Comes back having forgotten everything, and pings at once with view 0. */
  restart(): void {
    this.latest = null;
    this.acks = "latest";
    this.pinging = true;
    this.endpoint.send(VS, { type: "ping", view: 0 });
  }
}

const is = (num: number, primary: string | null, backup: string | null) => (view: View) =>
  view.num === num && view.primary === primary && view.backup === backup;

async function start(seed = 1) {
  const sim = new Simulator({ seed, name: "view service" });
  const host = await nodeHost();
  sim.addNode(VS, host.node("viewservice.ts", "viewServiceNode"));
  const state = () => sim.state<ViewServiceState>(VS);
  const server = (id: string) => new TestServer(sim, id);
  const waitFor = (what: string, test: (view: View) => boolean, within = 1_000): View => {
    if (!sim.runUntil(() => test(state().view), { within }))
      throw new Error(`expected ${what} within ${within} ms, but the view service is at ${describeView(state().view)}`);
    return state().view;
  };
  /** Runs a while and checks that the view did not change meanwhile. */
  const holds = (what: string, ms: number) => {
    const before = state().view;
    sim.runFor(ms);
    expect(state().view, `${what}: the view must stay ${describeView(before)}`).toEqual(before);
  };
  /** s1 primary and s2 backup in view 2, started one after the other so that the order is known. */
  const primaryAndBackup = (): [TestServer, TestServer] => {
    const s1 = server("s1");
    waitFor("view 1 with s1 primary", is(1, "s1", null), 200);
    const s2 = server("s2");
    waitFor("view 2: s1 primary, s2 backup", is(2, "s1", "s2"), 500);
    if (!sim.runUntil(() => state().primaryAcked, { within: 200 }))
      throw new Error("s1 pings view 2 but it is not acked");
    return [s1, s2];
  };
  return { sim, state, server, waitFor, holds, primaryAndBackup };
}

describe("the view service (README step 1)", () => {
  it("starts in view 0 with no primary and no backup, and tells whoever asks [R05.1.1]", async () => {
    const { sim } = await start();
    const asker = sim.addClient<Message>("asker");
    sim.runFor(50);
    asker.send(VS, { type: "getView" });
    sim.runFor(50);
    const replies = asker.inbox.map(({ msg }) => msg);
    expect(replies, "a getView gets one view reply").toEqual([
      { type: "view", view: { num: 0, primary: null, backup: null } },
    ]);
  });

  it("makes the first server that pings the primary of view 1, with no backup [R05.1.2]", async () => {
    const { server, waitFor, state } = await start();
    const s1 = server("s1");
    waitFor("view 1 with s1 primary", is(1, "s1", null), 200);
    waitFor("s1 to hear of view 1 in the answer to its ping", () => s1.latest?.num === 1, 200);
    expect(state().view).toEqual({ num: 1, primary: "s1", backup: null });
  });

  it("adds a second server as backup in view 2 once the primary has acked view 1 [R05.1.3]", async () => {
    const { primaryAndBackup, state } = await start();
    primaryAndBackup();
    expect(state().view).toEqual({ num: 2, primary: "s1", backup: "s2" });
  });

  it("does not move on while the primary has not acked the current view, even if a backup is waiting [R05.1.4, R05.P.1]", async () => {
    const { server, waitFor, holds } = await start();
    const s1 = server("s1");
    s1.acks = 0;
    waitFor("view 1 with s1 primary", is(1, "s1", null), 200);
    server("s2");
    holds("s1 never acked view 1", 1_000);
    s1.acks = "latest";
    waitFor("view 2 once s1 acks view 1", is(2, "s1", "s2"), 500);
  });

  it("makes the backup primary when the primary stops pinging [R05.1.5]", async () => {
    const { primaryAndBackup, waitFor } = await start();
    const [s1] = primaryAndBackup();
    s1.die();
    waitFor("view 3: s2 primary, no backup", is(3, "s2", null), 500);
  });

  it("makes a server that comes back the backup of the next view [R05.1.6]", async () => {
    const { primaryAndBackup, waitFor } = await start();
    const [s1] = primaryAndBackup();
    s1.die();
    waitFor("view 3: s2 primary, no backup", is(3, "s2", null), 500);
    s1.restart();
    waitFor("view 4: s2 primary, s1 backup", is(4, "s2", "s1"), 500);
  });

  it("makes an idle third server the backup when the primary dies [R05.1.6]", async () => {
    const { primaryAndBackup, server, waitFor, sim, state } = await start();
    const [s1] = primaryAndBackup();
    server("s3");
    sim.runFor(200);
    expect(state().view, "a third server stays idle while primary and backup are fine").toEqual({
      num: 2,
      primary: "s1",
      backup: "s2",
    });
    s1.die();
    waitFor("view 3: s2 primary, s3 backup", is(3, "s2", "s3"), 500);
  });

  it("waits for the primary's ack before replacing a dead backup [R05.1.4, R05.P.1]", async () => {
    const { primaryAndBackup, server, waitFor, holds } = await start();
    const [s1, s2] = primaryAndBackup();
    const s3 = server("s3");
    server("s4");
    s1.acks = 2;
    s2.die();
    waitFor("view 3: s1 primary, s3 backup", is(3, "s1", "s3"), 500);
    s3.die();
    holds("s1 has not acked view 3", 1_000);
    s1.acks = "latest";
    waitFor("view 4: s1 primary, s4 backup, once s1 acks view 3", is(4, "s1", "s4"), 500);
  });

  it("removes a dead backup from the view when no idle server can replace it [R05.1.7]", async () => {
    const { primaryAndBackup, waitFor } = await start();
    const [, s2] = primaryAndBackup();
    s2.die();
    waitFor("view 3: s1 primary, no backup", is(3, "s1", null), 500);
  });

  it("never makes a server primary unless it was the backup: a dead primary without backup stays primary [R05.1.8, R05.P.11]", async () => {
    const { server, waitFor, holds, sim, state } = await start();
    const s1 = server("s1");
    waitFor("view 1 with s1 primary", is(1, "s1", null), 200);
    if (!sim.runUntil(() => state().primaryAcked, { within: 200 }))
      throw new Error("s1 pings view 1 but it is not acked");
    s1.die();
    sim.runFor(300);
    server("s2");
    holds("s2 was never backup, so it cannot take over", 2_000);
  });

  it("does not choose a server that stopped pinging as the new backup [R05.1.9]", async () => {
    const { primaryAndBackup, server, waitFor, sim } = await start();
    const [s1] = primaryAndBackup();
    const s3 = server("s3");
    s3.die();
    sim.runFor(300);
    s1.die();
    waitFor("view 3: s2 primary and no backup (s3 is dead)", is(3, "s2", null), 500);
  });

  it("treats a primary that pings with view 0 as restarted: its backup takes over [R05.1.10, R05.P.8]", async () => {
    const { primaryAndBackup, waitFor } = await start();
    const [s1] = primaryAndBackup();
    s1.restart();
    waitFor(
      "view 3: s2 primary, s1 (restarted, empty) backup or none",
      (view) => view.num === 3 && view.primary === "s2",
      300,
    );
  });
});
