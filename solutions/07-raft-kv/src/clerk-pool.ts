// The clerks of one process, for the HTTP front: each HTTP request borrows an idle clerk (a live node on
// the process's transport), invokes its operation and gives the clerk back once it answers. A clerk runs
// one operation at a time, so concurrent requests need as many clerks; each has its own session with the
// servers. The pool grows up to `maxClerks`; past that, requests wait for a clerk in order.
import { LiveNode, type NodeId, type Transport } from "@distlab/kit/sim";
import { clerkNode } from "./clerk.ts";
import type { Done, KvMessage, Operation, Result } from "./messages.ts";

export type Outcome = { result: Result } | { unknown: true };

export interface ClerkPoolOptions {
  transport: Transport;
  /** Names the pool's nodes: `<prefix>.front` and `<prefix>.c<N>`. */
  prefix: string;
  servers: NodeId[];
  /** A clerk gives up on an operation after this long and answers "unknown". */
  deadlineMs: number;
  /** How long a clerk waits for a server before trying the next one. */
  retryMs: number;
  maxClerks: number;
  onError?: (id: NodeId, error: unknown) => void;
}

export class ClerkPool {
  private readonly idle: NodeId[] = [];
  private readonly clerks: LiveNode[] = [];
  private readonly waitingForClerk: Array<(clerk: NodeId) => void> = [];
  private readonly calls = new Map<number, { clerk: NodeId; resolve: (outcome: Outcome) => void }>();
  private nextCall = 0;
  private closed = false;
  private readonly frontId: NodeId;

  private constructor(private readonly options: ClerkPoolOptions) {
    this.frontId = `${options.prefix}.front`;
  }

  static async open(options: ClerkPoolOptions): Promise<ClerkPool> {
    if (!(options.maxClerks >= 1)) throw new RangeError(`maxClerks must be at least 1, got ${options.maxClerks}`);
    const pool = new ClerkPool(options);
    await options.transport.attach(pool.frontId, (_from, msg) => pool.handleDone(msg as KvMessage));
    return pool;
  }

  /** How many clerks exist (busy or idle). */
  get size(): number {
    return this.clerks.length;
  }

  /** Runs one operation through a clerk; settles with its result, or "unknown" past the deadline. */
  async run(op: Operation): Promise<Outcome> {
    if (this.closed) throw new Error("the clerk pool is closed");
    const clerk = await this.borrow();
    const id = ++this.nextCall;
    return new Promise<Outcome>((resolve) => {
      this.calls.set(id, { clerk, resolve });
      this.options.transport.send(this.frontId, clerk, { type: "invoke", id, op } satisfies KvMessage);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const { resolve } of this.calls.values()) resolve({ unknown: true });
    this.calls.clear();
    for (const clerk of this.clerks) await clerk.stop();
    await this.options.transport.detach(this.frontId);
  }

  private handleDone(msg: KvMessage): void {
    if (msg.type !== "done") return;
    const call = this.calls.get((msg as Done).id);
    if (call === undefined) return;
    this.calls.delete(msg.id);
    call.resolve("unknown" in msg ? { unknown: true } : { result: msg.result });
    this.giveBack(call.clerk);
  }

  private async borrow(): Promise<NodeId> {
    const idle = this.idle.pop();
    if (idle !== undefined) return idle;
    if (this.clerks.length < this.options.maxClerks) {
      const id = `${this.options.prefix}.c${this.clerks.length + 1}`;
      const { servers, deadlineMs, retryMs } = this.options;
      const def = clerkNode({ servers, deadlineMs, retryMs });
      const clerk = new LiveNode(id, def, {
        transport: this.options.transport,
        onLog: () => undefined,
        ...(this.options.onError ? { onError: this.options.onError } : {}),
      });
      this.clerks.push(clerk as LiveNode);
      await clerk.start();
      return id;
    }
    return new Promise((resolve) => this.waitingForClerk.push(resolve));
  }

  private giveBack(clerk: NodeId): void {
    const waiter = this.waitingForClerk.shift();
    if (waiter) waiter(clerk);
    else this.idle.push(clerk);
  }
}
