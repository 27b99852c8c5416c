// The live cluster: the view service, two replicas and the cache as processes that talk over the HTTP
// transport, and the front's clients in this process. It starts them, waits until a primary and a backup
// serve, and can kill a node (SIGKILL) or start it again, as a demo or a test asks.
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { HttpTransport } from "@distlab/kit/sim";
import type { CacheStats } from "../cache.ts";
import type { Operation, Result, View } from "../messages.ts";
import type { ViewServiceState } from "../viewservice.ts";
import { ClientPool } from "./client-pool.ts";
import { CACHE, clusterNodes, VIEW_SERVICE } from "./cluster-layout.ts";
import { NodeProcess } from "./node-process.ts";
import type { ClusterSettings } from "./settings.ts";

const READY_TIMEOUT_MS = 60_000;

export interface ClusterStatus {
  mode: ClusterSettings["mode"];
  cache: boolean;
  view: View | null;
  /** Whether the primary has acknowledged `view`. */
  acked: boolean;
  nodes: Record<string, { role: string; pid: number; alive: boolean }>;
  cacheStats: CacheStats | null;
}

export class Cluster {
  private readonly nodes = new Map<string, NodeProcess>();
  private readonly transport: HttpTransport;
  private readonly clients: ClientPool;

  private constructor(
    readonly settings: ClusterSettings,
    private readonly dataDir: string,
  ) {
    this.transport = new HttpTransport({ directory: join(dataDir, "addresses") });
    const ids = (prefix: string) => Array.from({ length: settings.clients }, (_, i) => `${prefix}${i + 1}`);
    this.clients = new ClientPool(this.transport, { cached: settings.cache ? ids("cc") : [], direct: ids("c") });
  }

  static async start(settings: ClusterSettings, dataDir: string): Promise<Cluster> {
    // Addresses published by an earlier run in the same folder point at processes that are gone.
    await rm(join(dataDir, "addresses"), { recursive: true, force: true });
    const cluster = new Cluster(settings, dataDir);
    process.once("exit", () => cluster.killAll());
    try {
      await Promise.all(clusterNodes(settings.cache).map((node) => cluster.startNode(node.id)));
      await cluster.clients.start();
      await cluster.waitUntilServing(READY_TIMEOUT_MS);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** Runs one operation; a read goes through the cache unless `readViaCache` is false. */
  run(op: Operation, readViaCache = true): Promise<Result> {
    return this.clients.run(op, readViaCache, this.settings.timeoutMs);
  }

  async status(): Promise<ClusterStatus> {
    const vs = await this.nodes.get(VIEW_SERVICE)?.state<ViewServiceState>();
    const cache = this.settings.cache ? await this.nodes.get(CACHE)?.state<{ stats: CacheStats }>() : undefined;
    return {
      mode: this.settings.mode,
      cache: this.settings.cache,
      view: vs?.view ?? null,
      acked: vs?.primaryAcked ?? false,
      nodes: Object.fromEntries(
        [...this.nodes].map(([id, node]) => [id, { role: node.options.role, pid: node.pid, alive: node.alive }]),
      ),
      cacheStats: cache?.stats ?? null,
    };
  }

  has(id: string): boolean {
    return this.nodes.has(id);
  }

  /** kill -9 of one node's process. */
  async kill(id: string): Promise<void> {
    await this.node(id).kill();
  }

  /** Starts a node again: a replica comes back empty and joins as a new backup. */
  async restart(id: string): Promise<void> {
    const node = this.node(id);
    if (node.alive) throw new Error(`${id} is running; kill it first`);
    await this.startNode(id);
  }

  async stop(): Promise<void> {
    await this.clients.stop().catch(() => undefined);
    await Promise.all([...this.nodes.values()].map((node) => node.stop()));
    await this.transport.close();
  }

  /** What the nodes' handlers threw, if anything: the first place to look when the cluster does not serve. */
  private failures(): string {
    const lines = [...this.nodes.values()].flatMap((node) =>
      node
        .tail()
        .split("\n")
        .filter((line) => line.includes("handler failed"))
        .slice(-2),
    );
    return lines.length === 0 ? "" : `\nnode handlers failed:\n  ${lines.join("\n  ")}`;
  }

  private killAll(): void {
    for (const node of this.nodes.values()) void node.kill();
  }

  private node(id: string): NodeProcess {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`no node '${id}' in this cluster (it has ${[...this.nodes.keys()].join(", ")})`);
    return node;
  }

  private async startNode(id: string): Promise<void> {
    const layout = clusterNodes(this.settings.cache).find((node) => node.id === id)!;
    const dataDir = join(this.dataDir, id);
    await mkdir(dataDir, { recursive: true });
    const node = await NodeProcess.start({
      id,
      role: layout.role,
      mode: this.settings.mode,
      addresses: join(this.dataDir, "addresses"),
      dataDir,
    });
    this.nodes.set(id, node);
  }

  /** Until the view has a primary and a backup and the primary acknowledged it: the backup has the state. */
  private async waitUntilServing(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let status = await this.status();
    while (!(status.view?.primary && status.view.backup && status.acked)) {
      if (Date.now() > deadline)
        throw new Error(
          `no primary and backup within ${timeoutMs / 1000} s; the view service says ${JSON.stringify(status.view)}${this.failures()}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = await this.status();
    }
  }
}
