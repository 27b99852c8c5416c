// Lab 07's demo (`distlab demo 07`): three server processes of the store on Raft, clients writing and
// reading through every server, the leader killed with kill -9 mid-load and restarted, and the recorded
// history checked for linearizability at the end.
import { checkHistory, kvModel, type KvOperation } from "@distlab/kit/check";
import { expectThat, http, type DemoOptions, type DemoSystem } from "@distlab/kit/demo";
import { makeTempDir, restartService, startService, type ServiceProcess } from "@distlab/kit/harness";

const NAMES = ["n1", "n2", "n3"];
const KEYS = ["pet:rex", "pet:tom", "order:1"];

interface Status {
  node: string;
  role: string;
  term: number;
  leader: string | null;
}

async function statuses(nodes: Map<string, ServiceProcess>): Promise<Status[]> {
  const found: Status[] = [];
  for (const node of nodes.values()) {
    const reply = await http(node.url, "GET", "/raft/status").catch(() => undefined);
    if (reply?.status === 200) found.push(reply.body as Status);
  }
  return found;
}

async function waitForLeader(nodes: Map<string, ServiceProcess>, except?: string, ms = 20_000): Promise<Status> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const leader = (await statuses(nodes)).find((status) => status.role === "leader" && status.node !== except);
    if (leader) return leader;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no leader within ${ms / 1000} s`);
}

/** Clients writing unique values and reading them back through every server, recording what they saw. */
class ClientLoop {
  readonly history: KvOperation[] = [];
  private stamp = 0;
  private running = true;
  private readonly done: Promise<void[]>;

  constructor(urls: () => string[], clients: number) {
    this.done = Promise.all(Array.from({ length: clients }, (_, client) => this.run(client, urls)));
  }

  private async run(client: number, urls: () => string[]): Promise<void> {
    for (let n = 0; this.running; n++) {
      const key = KEYS[n % KEYS.length]!;
      const base = urls()[(client + n) % NAMES.length]!;
      const write = n % 2 === 0;
      const value = `c${client}.${n}`;
      const call = ++this.stamp;
      const reply = await (write ? http(base, "PUT", `/kv/${key}`, { value }) : http(base, "GET", `/kv/${key}`)).catch(
        () => undefined,
      );
      const ok = reply !== undefined && (reply.status === 200 || (!write && reply.status === 404));
      if (!ok && !write) continue;
      this.history.push({
        client,
        call,
        return: ok ? ++this.stamp : null,
        input: write ? { op: "put", key, value } : { op: "get", key },
        output: !ok ? null : write ? {} : { value: reply.status === 200 ? (reply.body.value as string) : null },
      });
      if (!ok) await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

export async function demo({ narrator, target }: DemoOptions): Promise<DemoSystem | undefined> {
  const nodes = new Map<string, ServiceProcess>();
  const dataDir = await makeTempDir("distlab-raft-kv-demo-");
  const started = await narrator.step(
    "Start three servers, each its own process (the same node code as the tests)",
    async () => {
      const env = (name: string) => ({ RAFT_KV_NODE: name, RAFT_KV_NODES: NAMES.join(","), LOG_LEVEL: "warn" });
      const processes = await Promise.all(
        NAMES.map((name) =>
          startService({ lab: "07-raft-kv", service: "node", target, env: env(name), dataDir, readyTimeoutMs: 60_000 }),
        ),
      );
      NAMES.forEach((name, i) => nodes.set(name, processes[i]!));
      for (const [name, node] of nodes) narrator.say(`${name}: ${node.url} (pid ${node.pid})`);
      const leader = await waitForLeader(nodes);
      narrator.say(`${leader.node} was elected leader in term ${leader.term}`);
      return true;
    },
  );
  if (!started) return undefined;
  const urls = () => [...nodes.values()].map((node) => node.url);

  await narrator.step("Any server answers Lab 01's API: write through one, read through another", async () => {
    const [a, b] = urls() as [string, string];
    const put = await http(a, "PUT", "/kv/pet:rex", { value: "a dog" });
    const get = await http(b, "GET", "/kv/pet:rex");
    narrator.say(
      `PUT via ${a} → ${put.status} ${JSON.stringify(put.body)}; GET via ${b} → ${JSON.stringify(get.body)}`,
    );
    expectThat(get.body?.value === "a dog" && get.body.version === put.body.version, "the read should see the write");
  });

  const loop = new ClientLoop(urls, 4);
  await narrator.step(
    "Four clients write and read through all three servers; kill -9 the leader mid-load",
    async () => {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const leader = await waitForLeader(nodes);
      const before = loop.history.length;
      await nodes.get(leader.node)!.kill("SIGKILL");
      const killedAt = Date.now();
      narrator.say(`killed ${leader.node} (the leader of term ${leader.term}) after ${before} operations`);
      const next = await waitForLeader(nodes, leader.node);
      narrator.say(`${next.node} leads term ${next.term}, ${Date.now() - killedAt} ms later`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      nodes.set(leader.node, await restartService(nodes.get(leader.node)!));
      narrator.say(`restarted ${leader.node} on its files; it catches up as a follower`);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    },
  );

  await narrator.step("Stop the clients and check the whole history for linearizability", async () => {
    await loop.stop();
    const result = checkHistory(kvModel, loop.history, { timeoutMs: 30_000 });
    const unknown = loop.history.filter((op) => op.return === null).length;
    narrator.say(
      `${loop.history.length} operations (${unknown} writes whose answer was lost in the crash): ${result.result}`,
    );
    expectThat(result.result === "ok", `the history should be linearizable, the checker says ${result.result}`);
  });

  return {
    guide: [
      ...[...nodes].map(([name, node]) => `${name}: ${node.url}   (status: curl -s ${node.url}/raft/status)`),
      `try: curl -s -X PUT ${urls()[0]}/kv/greeting -H 'content-type: application/json' -d '{"value":"hello"}'`,
      `     curl -s ${urls()[1]}/kv/greeting`,
      "kill the leader (its pid is in /raft/status) and watch another take over",
    ],
    stopped: Promise.race([...nodes.values()].map((node) => node.exited())),
    stop: async () => {
      await Promise.all([...nodes.values()].map((node) => node.kill("SIGTERM")));
    },
  };
}
