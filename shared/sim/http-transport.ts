// A transport between live nodes in different processes, over HTTP on loopback. Each process runs one small
// HTTP server; every node attached to it writes its address (a file named after the node) into a folder
// that all processes of the cluster share, so a node restarted on a new port is found again without any
// port being chosen in advance. Messages to one process leave in batches over one keep-alive connection:
// what the process's nodes send in one turn of the event loop goes in one POST, and up to
// MAX_POSTS_IN_FLIGHT POSTs are pipelined on the connection, so a batch does not wait for the answer to
// the previous one (FIFO per pair of processes: one connection, requests handled in order). A message
// identical to one still waiting for the same process is sent once. A message to a node that is down is
// lost, as on a real network; the protocols above retry.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { deserialize, serialize } from "node:v8";
import { Client } from "undici";
import type { Transport } from "./live.ts";
import type { NodeId } from "./types.ts";

type Deliver = (from: NodeId, msg: unknown) => void;
/** One message on the wire: [from, to, payload]. */
type WireMessage = [NodeId, NodeId, unknown];

const PATH = "/distlab/messages";
/** Largest body sent at once; a bigger backlog leaves in several requests. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** POSTs sent to one process before the first of them is answered (HTTP/1.1 pipelining). */
const MAX_POSTS_IN_FLIGHT = 4;

export interface HttpTransportOptions {
  /** The folder where every process of the cluster publishes its nodes' addresses. */
  directory: string;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Port to listen on (default 0: any free port). */
  port?: number;
  /** Called when a batch could not be delivered (the peer is down); messages are dropped either way. */
  onDrop?: (to: string, count: number, reason: string) => void;
}

interface Peer {
  client: Client;
  queue: Buffer[];
  queuedBytes: number;
  /** POSTs sent and not answered yet. */
  inFlight: number;
  /** A send of the queue is planned for the end of this turn of the event loop. */
  scheduled: boolean;
}

function addressFile(directory: string, id: NodeId): string {
  return join(directory, `${id.replace(/[^A-Za-z0-9._-]/g, "_")}.addr`);
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

export class HttpTransport implements Transport {
  private readonly handlers = new Map<NodeId, Deliver>();
  private readonly peers = new Map<string, Peer>();
  private readonly addresses = new Map<NodeId, string>();
  private server: Server | undefined;
  private url: string | undefined;
  private closed = false;

  constructor(private readonly options: HttpTransportOptions) {
    mkdirSync(options.directory, { recursive: true });
  }

  /** This process's address, once a node is attached. */
  get address(): string | undefined {
    return this.url;
  }

  async attach(id: NodeId, deliver: Deliver): Promise<void> {
    if (this.handlers.has(id)) throw new Error(`http transport: "${id}" is already attached`);
    await this.listen();
    this.handlers.set(id, deliver);
    const file = addressFile(this.options.directory, id);
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify({ id, url: this.url, pid: process.pid }));
    renameSync(temporary, file);
  }

  async detach(id: NodeId): Promise<void> {
    if (!this.handlers.delete(id)) return;
    const file = addressFile(this.options.directory, id);
    try {
      const published = JSON.parse(readFileSync(file, "utf8")) as { url?: string };
      if (published.url === this.url) rmSync(file, { force: true });
    } catch {
      // already gone, or replaced by a newer process of the same node
    }
  }

  send(from: NodeId, to: NodeId, msg: unknown): void {
    this.prepare(from, to, msg)();
  }

  /** Copies a message to a local node, or serializes it for a remote one, now; sends it when called. */
  prepare(from: NodeId, to: NodeId, msg: unknown): () => void {
    if (this.handlers.has(to)) {
      const copy = structuredClone(msg);
      return () => {
        if (!this.closed) setImmediate(() => this.handlers.get(to)?.(from, copy));
      };
    }
    const bytes = serialize([from, to, msg] satisfies WireMessage);
    return () => this.enqueue(to, bytes);
  }

  private enqueue(to: NodeId, bytes: Buffer): void {
    if (this.closed) return;
    const url = this.lookup(to);
    if (url === undefined) return this.options.onDrop?.(to, 1, "no address published");
    const peer = this.peer(url);
    // A copy of a message already waiting for that process adds nothing: it is dropped, as a network may
    // drop it (every protocol above tolerates losses and duplicates). A busy Raft leader answers each reply
    // with the same AppendEntries; without this, the copies pile up behind the request in flight.
    if (peer.queue.some((queued) => queued.length === bytes.length && queued.equals(bytes))) return;
    peer.queue.push(bytes);
    peer.queuedBytes += bytes.length;
    if (peer.scheduled || peer.inFlight >= MAX_POSTS_IN_FLIGHT) return;
    // What the nodes of this process send in this turn leaves together, in one POST.
    peer.scheduled = true;
    setImmediate(() => {
      peer.scheduled = false;
      this.pump(url, peer);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const id of [...this.handlers.keys()]) await this.detach(id);
    await Promise.all([...this.peers.values()].map((peer) => peer.client.destroy()));
    this.peers.clear();
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private async listen(): Promise<void> {
    if (this.server) return;
    const server = createServer((request, response) => void this.receive(request, response));
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      // exclusive: in a cluster worker (node:cluster), this server is the worker's own, not a shared one.
      server.listen({ port: this.options.port ?? 0, host: this.options.host ?? "127.0.0.1", exclusive: true }, () =>
        resolve(),
      );
    });
    const { address, port } = server.address() as AddressInfo;
    this.server = server;
    this.url = `http://${address}:${port}`;
  }

  private async receive(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== "POST" || request.url !== PATH) {
      response.writeHead(404).end();
      return;
    }
    let messages: Buffer[];
    try {
      messages = deserialize(await readBody(request)) as Buffer[];
      if (!Array.isArray(messages)) throw new Error("the body is not a batch");
    } catch (error) {
      response.writeHead(400, { "content-type": "text/plain" }).end(`bad batch: ${(error as Error).message}`);
      return;
    }
    response.writeHead(204).end();
    for (const bytes of messages) {
      const [from, to, msg] = deserialize(bytes) as WireMessage;
      this.handlers.get(to)?.(from, msg);
    }
  }

  /** The URL of the process a node was last published at (cached until a send to it fails). */
  private lookup(id: NodeId): string | undefined {
    const cached = this.addresses.get(id);
    if (cached !== undefined) return cached;
    try {
      const published = JSON.parse(readFileSync(addressFile(this.options.directory, id), "utf8")) as { url?: unknown };
      if (typeof published.url !== "string") return undefined;
      this.addresses.set(id, published.url);
      return published.url;
    } catch {
      return undefined;
    }
  }

  private peer(url: string): Peer {
    let peer = this.peers.get(url);
    if (peer === undefined) {
      peer = {
        client: new Client(url, {
          pipelining: MAX_POSTS_IN_FLIGHT,
          connectTimeout: 1_000,
          keepAliveTimeout: 60_000,
        }),
        queue: [],
        queuedBytes: 0,
        inFlight: 0,
        scheduled: false,
      };
      this.peers.set(url, peer);
    }
    return peer;
  }

  /** Sends what is queued for one process, a batch per POST, as long as fewer than the limit are in flight. */
  private pump(url: string, peer: Peer): void {
    while (peer.queue.length > 0 && peer.inFlight < MAX_POSTS_IN_FLIGHT && !this.closed) {
      peer.inFlight++;
      void this.post(url, peer, this.takeBatch(peer));
    }
  }

  private async post(url: string, peer: Peer, batch: Buffer[]): Promise<void> {
    try {
      const response = await peer.client.request({
        method: "POST",
        path: PATH,
        headers: { "content-type": "application/octet-stream" },
        body: serialize(batch),
        // Sending it again would be harmless (the protocols above tolerate duplicates): this lets undici
        // pipeline the POSTs on the connection instead of waiting for each answer.
        idempotent: true,
        headersTimeout: 5_000,
        bodyTimeout: 5_000,
      });
      await response.body.dump();
      if (response.statusCode !== 204) throw new Error(`HTTP ${response.statusCode}`);
      peer.inFlight--;
      this.pump(url, peer);
    } catch (error) {
      peer.inFlight--;
      // The process is gone or stuck: what is queued for it would fail the same way. Drop it all, and read
      // its nodes' addresses again next time (a restarted node publishes a new one).
      const dropped = batch.length + peer.queue.length;
      peer.queue = [];
      peer.queuedBytes = 0;
      if (this.peers.get(url) === peer) {
        this.peers.delete(url);
        void peer.client.destroy();
        this.forget(url);
      }
      this.options.onDrop?.(url, dropped, (error as Error).message);
    }
  }

  private takeBatch(peer: Peer): Buffer[] {
    const batch: Buffer[] = [];
    let bytes = 0;
    while (peer.queue.length > 0 && (batch.length === 0 || bytes + peer.queue[0]!.length <= MAX_BATCH_BYTES)) {
      const next = peer.queue.shift()!;
      bytes += next.length;
      batch.push(next);
    }
    peer.queuedBytes -= bytes;
    return batch;
  }

  /** A process that does not answer may have been replaced: read the addresses of its nodes again. */
  private forget(url: string): void {
    for (const [id, known] of this.addresses) if (known === url) this.addresses.delete(id);
  }
}
