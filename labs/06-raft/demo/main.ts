// Lab 06's demo (`distlab demo 06`): five Raft servers live — the same node code the tests drive on the
// simulator, here on real timers and a real message bus (NATS when nats-server is installed, else the
// in-process bus). A leader is elected, commands are committed, the leader is killed, a new one takes
// over, and the old one restarts from its storage and catches up. The servers' code runs in the node
// host, as in the tests, so `--target labs` demonstrates a student's Raft without trusting it.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectThat, type DemoOptions, type DemoSystem, type Narrator } from "@distlab/kit/demo";
import { openNodeHost, type NodeHost, type RemoteNodeDef } from "@distlab/kit/sandbox";
import { openMessageBus, startLiveCluster, type LiveCluster, type MessageBus, type NodeId } from "@distlab/kit/sim";
import type { RaftNodeState, StartAnswer } from "../src/node.ts";

const SERVERS = ["s1", "s2", "s3", "s4", "s5"];
const CLIENT = "demo-client";
/** How long the demo waits for something Raft does in well under a second. */
const PATIENCE_MS = 10_000;

interface Live {
  bus: MessageBus;
  host: NodeHost;
  cluster: LiveCluster;
  defs: Record<NodeId, RemoteNodeDef<RaftNodeState>>;
  dataDir: string;
  answers: Map<number, StartAnswer>;
}

export async function demo({ narrator, target, once }: DemoOptions): Promise<DemoSystem | undefined> {
  const live = await narrator.step("Open a message bus and start five Raft servers on real timers", () =>
    startServers(narrator, target),
  );
  if (!live) return undefined;
  try {
    await scenario(narrator, live);
  } catch (error) {
    await stop(live);
    throw error;
  }
  if (once) {
    await stop(live);
    return undefined;
  }
  return {
    guide: [
      `five servers on ${live.bus.description}; storage in ${live.dataDir}`,
      "the cluster keeps electing and heartbeating; Ctrl-C stops it",
    ],
    stopped: new Promise(() => undefined),
    stop: () => stop(live),
  };
}

async function scenario(narrator: Narrator, live: Live): Promise<void> {
  const first = await narrator.step("Wait for a leader", async () => {
    const started = Date.now();
    const { leader, term } = await waitForLeader(live, SERVERS);
    narrator.say(`${leader} leads term ${term}, elected ${Date.now() - started} ms after the servers started`);
    return leader;
  });
  if (!first) return;
  await narrator.step("Commit three commands through the leader", async () => {
    for (const command of ["x=1", "y=2", "z=3"]) startOn(live, first, command);
    await waitUntil(() => SERVERS.every((s) => applied(live, s) >= 3), "all five servers applying 3 commands");
    narrator.say(`every server applied x=1, y=2, z=3 (digest ${inspect(live, first).service.digest})`);
  });
  const second = await narrator.step(`Kill the leader ${first}: memory and timers gone, storage kept`, async () => {
    const killedAt = Date.now();
    live.cluster.nodes.get(first)?.crash();
    const others = SERVERS.filter((s) => s !== first);
    const { leader, term } = await waitForLeader(live, others);
    narrator.say(`${leader} leads term ${term}, ${Date.now() - killedAt} ms after ${first} died`);
    expectThat(leader !== first, "the new leader must be another server");
    return leader;
  });
  if (!second) return;
  await narrator.step(`The new leader commits; ${first} restarts from storage and catches up`, async () => {
    startOn(live, second, "w=4");
    const others = SERVERS.filter((s) => s !== first);
    await waitUntil(() => others.every((s) => applied(live, s) >= 4), "the four running servers applying w=4");
    live.cluster.nodes.get(first)?.restart();
    narrator.say(`${first} restarted with term ${inspect(live, first).raft.currentTerm} from its storage`);
    await waitUntil(() => applied(live, first) >= 4, `${first} applying all four commands`);
    const state = inspect(live, first);
    narrator.say(`${first} is a ${state.raft.role} again, with the same 4 commands (digest ${state.service.digest})`);
    expectThat(state.raft.role === "follower", `${first} should follow the new leader`);
  });
}

async function startServers(narrator: Narrator, target: string): Promise<Live> {
  const bus = await openMessageBus(`raft${process.pid}`);
  narrator.say(`message bus: ${bus.description}`);
  const host = await openNodeHost({ lab: "06-raft", target });
  const dataDir = await mkdtemp(join(tmpdir(), "distlab-raft-"));
  const defs: Record<NodeId, RemoteNodeDef<RaftNodeState>> = {};
  for (const id of SERVERS) defs[id] = host.node<RaftNodeState>("node.ts", "raftNode", { servers: SERVERS });
  const answers = new Map<number, StartAnswer>();
  await bus.transport.attach(CLIENT, (_from, msg) => {
    const answer = msg as StartAnswer;
    if (answer.type === "started") answers.set(answer.ref, answer);
  });
  const cluster = await startLiveCluster(defs as Record<NodeId, RemoteNodeDef<unknown>>, {
    transport: bus.transport,
    dataDir,
    onLog: (id, text) => narrator.say(`  [${id}] ${text}`),
    onError: (id, error) => narrator.say(`  [${id}] handler failed: ${(error as Error).message}`),
  });
  narrator.say(`${SERVERS.join(", ")}: code in the node host (${host.isolation}), storage in ${dataDir}`);
  return { bus, host, cluster, defs, dataDir, answers };
}

function inspect(live: Live, id: NodeId): RaftNodeState {
  const handle = live.cluster.nodes.get(id)?.state;
  if (handle === undefined) throw new Error(`${id} is not running`);
  return live.defs[id]!.inspect(handle as never);
}

function applied(live: Live, id: NodeId): number {
  return live.cluster.nodes.get(id)?.isRunning ? inspect(live, id).service.applied : 0;
}

let nextRef = 0;
function startOn(live: Live, id: NodeId, command: string): void {
  live.bus.transport.send(CLIENT, id, { type: "start", ref: ++nextRef, command });
}

async function waitForLeader(live: Live, among: NodeId[]): Promise<{ leader: NodeId; term: number }> {
  let found: { leader: NodeId; term: number } | undefined;
  await waitUntil(() => {
    const leaders = among
      .filter((id) => live.cluster.nodes.get(id)?.isRunning)
      .map((id) => ({ id, raft: inspect(live, id).raft }))
      .filter(({ raft }) => raft.role === "leader");
    const top = leaders.sort((a, b) => b.raft.currentTerm - a.raft.currentTerm)[0];
    found = top && { leader: top.id, term: top.raft.currentTerm };
    return found !== undefined;
  }, "a leader");
  return found!;
}

async function waitUntil(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + PATIENCE_MS;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${PATIENCE_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function stop(live: Live): Promise<void> {
  await live.cluster.stop();
  await live.bus.stop();
  await live.host.close();
  await rm(live.dataDir, { recursive: true, force: true });
}
