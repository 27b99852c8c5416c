// The live machinery of Lab 04's demo: the bus, a wire tap that prints and injects faults, the shoppers
// who talk to their carts, and a supervisor that restarts an actor whose handler throws.
import { findNats } from "@distlab/kit/infra";
import {
  createNatsTransport,
  EmbeddedTransport,
  type LiveCluster,
  type NodeId,
  type Transport,
} from "@distlab/kit/sim";
import type { Message, ReplyBody, ShopRequest } from "@distlab/lab/04-actors/messages.ts";
import type { ActorState } from "@distlab/lab/04-actors/reliable.ts";
import type { Narrator } from "@distlab/kit/demo";

export const SHOPPER_RETRY_MS = 500;
export const SHOPPER_PATIENCE_MS = 15_000;

export type Fault = "drop" | "duplicate" | undefined;
export type FaultRule = (from: NodeId, to: NodeId, msg: Message) => Fault;
export const FAULT_NOTE = { drop: "lost on the way", duplicate: "delivered twice" } as const;
/** How many times the supervisor restarts a failing actor before it gives up (Erlang's restart intensity). */
export const MAX_RESTARTS = 3;

/** Sits between the actors and the bus: prints each message and applies the scenario's faults. */
export class WireTap implements Transport {
  rule: FaultRule = () => undefined;
  echo = true;
  readonly sent: Array<{ from: NodeId; to: NodeId; msg: Message; at: number }> = [];
  /** Called after a message leaves, e.g. to crash its sender at a chosen moment. */
  afterSend: (from: NodeId, to: NodeId, msg: Message) => void = () => {};

  constructor(
    private readonly inner: Transport,
    private readonly narrator: Narrator,
  ) {}

  attach(id: NodeId, deliver: (from: NodeId, msg: unknown) => void): Promise<void> {
    return this.inner.attach(id, deliver);
  }

  detach(id: NodeId): Promise<void> {
    return this.inner.detach(id);
  }

  send(from: NodeId, to: NodeId, msg: unknown): void {
    const message = msg as Message;
    const fault = this.rule(from, to, message);
    this.sent.push({ from, to, msg: message, at: Date.now() });
    if (this.echo)
      this.narrator.say(`${describeMessage(from, to, message)}${fault ? `   ⚡ ${FAULT_NOTE[fault]}` : ""}`);
    if (fault !== "drop") this.inner.send(from, to, msg);
    if (fault === "duplicate") this.inner.send(from, to, msg);
    this.afterSend(from, to, message);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export function describeMessage(from: NodeId, to: NodeId, msg: Message): string {
  const route = `${from} → ${to}`.padEnd(24);
  if (msg.type === "reply") {
    const body = msg.body;
    return `${route} reply to ${msg.rid}: ${body.ok ? `ok${body.amount === undefined ? "" : ` ${body.amount}`}` : `refused (${body.reason})`}`;
  }
  const detail =
    "orderId" in msg ? ` ${msg.orderId}` : msg.type === "addToCart" ? ` ${msg.petId}` : ` with ${msg.card}`;
  return `${route} ${msg.type}${detail} (${msg.rid})`;
}

export interface Bus {
  transport: Transport;
  description: string;
  stop(): Promise<void>;
}

/** NATS_URL if set; else a nats-server started here on a free loopback port; else the embedded transport. */
export async function openBus(cluster: string): Promise<Bus> {
  const lookup = await findNats();
  if (lookup.server === null) {
    return {
      transport: new EmbeddedTransport(),
      description: `the embedded in-process transport, messages stay inside this process (${lookup.reason})`,
      stop: async () => {},
    };
  }
  const server = lookup.server;
  try {
    const transport = await createNatsTransport({ servers: server.url, cluster });
    const origin = server.pid === null ? `from ${server.source}` : `${server.source}, started for this demo`;
    return { transport, description: `NATS at ${server.url} (${origin})`, stop: () => server.stop() };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** The shoppers: clients on the bus that ask their cart again until it answers. */
export class Shoppers {
  private readonly waiting = new Map<string, { resolve: (body: ReplyBody) => void; stop: (error: Error) => void }>();
  private seq = 0;

  constructor(private readonly transport: Transport) {}

  async attach(users: string[]): Promise<void> {
    for (const user of users) {
      await this.transport.attach(user, (_from, msg) => {
        const reply = msg as Message;
        if (reply.type === "reply") this.waiting.get(reply.rid)?.resolve(reply.body);
      });
    }
  }

  /** Stops every shopper still waiting, and takes them off the bus. */
  async close(users: string[]): Promise<void> {
    for (const pending of [...this.waiting.values()]) pending.stop(new Error("the demo stopped"));
    for (const user of users) await this.transport.detach(user);
  }

  /** Sends one request from `user` to their cart (again every 500 ms) and resolves with the first answer. */
  ask(user: string, request: Record<string, unknown> & { type: ShopRequest["type"] }): Promise<ReplyBody> {
    const rid = `${user}#${++this.seq}`;
    const message = { ...request, rid };
    return new Promise((resolve, reject) => {
      const resend = setInterval(() => this.transport.send(user, `cart-${user}`, message), SHOPPER_RETRY_MS);
      const giveUp = setTimeout(
        () => stop(new Error(`${user}'s cart did not answer ${request.type} within ${SHOPPER_PATIENCE_MS / 1000} s`)),
        SHOPPER_PATIENCE_MS,
      );
      const done = () => {
        clearInterval(resend);
        clearTimeout(giveUp);
        this.waiting.delete(rid);
      };
      const stop = (error: Error) => {
        done();
        reject(error);
      };
      this.waiting.set(rid, {
        resolve: (body) => {
          done();
          resolve(body);
        },
        stop,
      });
      this.transport.send(user, `cart-${user}`, message);
    });
  }

  async checkout(user: string, pets: string[], card: string): Promise<ReplyBody> {
    for (const petId of pets) await this.ask(user, { type: "addToCart", petId });
    return this.ask(user, { type: "checkout", card });
  }
}

/** Restarts an actor whose handler threw, from its file ("let it crash"); past MAX_RESTARTS, gives up. */
export class Supervisor {
  cluster: LiveCluster | undefined;
  private restarts = 0;
  private stopped = false;
  private giveUp: (error: Error) => void = () => {};
  /** Rejects when the supervisor gives up: the demo's steps race against it instead of waiting in vain. */
  readonly gaveUp = new Promise<never>((_resolve, reject) => (this.giveUp = reject));

  constructor(private readonly narrator: Narrator) {
    this.gaveUp.catch(() => {});
  }

  handleFailure(id: NodeId, error: unknown): void {
    const node = this.cluster?.nodes.get(id);
    const reason = error instanceof Error ? error.message : String(error);
    this.narrator.say(`✗ ${id} failed: ${reason}`);
    if (!node) return;
    node.crash();
    if (this.stopped) return;
    if (++this.restarts > MAX_RESTARTS) {
      this.stopped = true;
      this.narrator.say(`supervisor: ${id} keeps failing; giving up after ${MAX_RESTARTS} restarts`);
      this.giveUp(new Error(`${id} keeps failing: ${reason}`));
      return;
    }
    setTimeout(() => {
      if (this.stopped || node.isRunning) return;
      this.narrator.say(`supervisor: restarting ${id} from ${id}.json`);
      node.restart();
    }, 200);
  }

  /** The work, unless the supervisor gives up first. */
  guard<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.gaveUp]);
  }
}

export function stateOf<D>(cluster: LiveCluster, id: NodeId): D {
  const node = cluster.nodes.get(id);
  const state = node?.state as ActorState<D> | undefined;
  if (state === undefined) throw new Error(`${id} is not running`);
  return state.data;
}

/** Lab 04: a checkout between actors over a real bus, with a lost and a duplicated message and a crash. */
