// The HTTP front's clients: client nodes on the live runtime, in the front's process, on the cluster's
// transport. Each HTTP request is handed to the least busy client, through the cache or straight to the
// primary, and answered when that client reports the operation done.
import { LiveNode, type Transport } from "@distlab/kit/sim";
import { clientNode } from "../client.ts";
import type { Message, Operation, Result } from "../messages.ts";
import { CACHE, FRONT, VIEW_SERVICE } from "./cluster-layout.ts";

interface Waiting {
  resolve(result: Result): void;
  client: string;
  timer: NodeJS.Timeout;
}

export class OperationTimeout extends Error {
  override name = "OperationTimeout";
}

export class ClientPool {
  private readonly nodes: LiveNode[] = [];
  private readonly busy = new Map<string, number>();
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;

  constructor(
    private readonly transport: Transport,
    /** Client ids that read through the cache, and ids that go straight to the primary. */
    private readonly ids: { cached: string[]; direct: string[] },
  ) {}

  async start(): Promise<void> {
    await this.transport.attach(FRONT, (_from, msg) => this.handleDone(msg as Message));
    for (const [cached, ids] of [
      [true, this.ids.cached],
      [false, this.ids.direct],
    ] as const) {
      for (const id of ids) {
        const node = new LiveNode(id, clientNode({ viewService: VIEW_SERVICE, cache: cached ? CACHE : null }), {
          transport: this.transport,
        });
        await node.start();
        this.nodes.push(node);
        this.busy.set(id, 0);
      }
    }
  }

  /**
   * Runs one operation; rejects with OperationTimeout when no answer comes within `timeoutMs`. A read goes
   * through the cache or straight to the primary, as asked; a write always goes through a client that
   * knows the cache, so that it invalidates the key.
   */
  run(op: Operation, readViaCache: boolean, timeoutMs: number): Promise<Result> {
    const cached = this.ids.cached.length > 0 && (op.op !== "get" || readViaCache);
    const pool = cached ? this.ids.cached : this.ids.direct;
    const client = pool.reduce((best, id) => (this.busy.get(id)! < this.busy.get(best)! ? id : best));
    const id = ++this.nextId;
    this.busy.set(client, this.busy.get(client)! + 1);
    return new Promise<Result>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.finish(id);
        reject(new OperationTimeout(`no answer from the cluster within ${timeoutMs} ms (is there a primary?)`));
      }, timeoutMs);
      this.waiting.set(id, { resolve, client, timer });
      this.transport.send(FRONT, client, { type: "invoke", id, op } satisfies Message);
    });
  }

  private handleDone(msg: Message): void {
    if (msg.type !== "done") return;
    this.finish(msg.id)?.resolve(msg.result);
  }

  private finish(id: number): Waiting | undefined {
    const waiting = this.waiting.get(id);
    if (waiting === undefined) return undefined;
    this.waiting.delete(id);
    clearTimeout(waiting.timer);
    this.busy.set(waiting.client, this.busy.get(waiting.client)! - 1);
    return waiting;
  }

  async stop(): Promise<void> {
    for (const waiting of this.waiting.values()) clearTimeout(waiting.timer);
    this.waiting.clear();
    for (const node of this.nodes) await node.stop();
    await this.transport.detach(FRONT);
  }
}
