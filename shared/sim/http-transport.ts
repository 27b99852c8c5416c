// A transport between live nodes in different processes, over HTTP on loopback. Each process runs one small
// HTTP server; every node attached to it writes its address (a file named after the node) into a folder
// that all processes of the cluster share, so a node restarted on a new port is found again without any
// port being chosen in advance. Messages to one process flow as a stream: one long-lived POST per pair of
// processes whose chunked body never ends while both live, each chunk carrying what the sending process's
// nodes said in one turn of the event loop as length-prefixed frames. A batch then costs one write on one
// side and one read on the other — no request to start, no answer to wait for or to parse — and messages
// arrive in the order they were sent (FIFO per pair of processes, as etcd streams to its peers). A message
// identical to one still waiting for the same process is sent once. A message to a node that is down is
// lost, as on a real network; the protocols above retry.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import {
  createServer,
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { deserialize, serialize } from "node:v8";
import { copyMessage, type Transport } from "./live.ts";
import type { NodeId } from "./types.ts";

type Deliver = (from: NodeId, msg: unknown) => void;
/** One message on the wire: [from, to, payload]. */
type WireMessage = [NodeId, NodeId, unknown];

const PATH = "/distlab/messages";
/** A frame is [u32 length][serialized WireMessage]; a longer one means the stream is not ours. */
const MAX_FRAME_BYTES = 256 * 1024 * 1024;
/** A stream the receiver has not read from for this long (its buffers full) is given up: the peer is stuck. */
const STUCK_MS = 5_000;

export interface HttpTransportOptions {
  /** The folder where every process of the cluster publishes its nodes' addresses. */
  directory: string;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Port to listen on (default 0: any free port). */
  port?: number;
  /**
   * Called when messages could not be delivered (the peer is down or stuck): those still queued for it,
   * and those of the last chunk written before its stream failed, which may or may not have arrived.
   */
  onDrop?: (to: string, count: number, reason: string) => void;
}

/** The stream to one process, and what waits to go on it. */
interface Peer {
  url: string;
  stream: ClientRequest;
  queue: Buffer[];
  /** A write of the queue is planned for the end of this turn of the event loop. */
  scheduled: boolean;
  /** The receiver is not keeping up: the socket's buffer is full; since when (0: it is not). */
  blockedSince: number;
  stuckTimer: NodeJS.Timeout | undefined;
  /** Messages of the last chunk written: if the stream fails, they may not have arrived (no answer says). */
  written: number;
}

function addressFile(directory: string, id: NodeId): string {
  return join(directory, `${id.replace(/[^A-Za-z0-9._-]/g, "_")}.addr`);
}

/** Prefixes each message with its length: one buffer, written at once. */
function frames(messages: Buffer[]): Buffer {
  let total = 0;
  for (const bytes of messages) total += 4 + bytes.length;
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const bytes of messages) {
    out.writeUInt32LE(bytes.length, offset);
    bytes.copy(out, offset + 4);
    offset += 4 + bytes.length;
  }
  return out;
}

/** Cuts a byte stream into frames, whatever the chunk boundaries; throws on a frame no sender makes. */
class FrameReader {
  private rest: Buffer | undefined;

  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    const bytes = this.rest === undefined ? chunk : Buffer.concat([this.rest, chunk]);
    this.rest = undefined;
    let offset = 0;
    while (bytes.length - offset >= 4) {
      const length = bytes.readUInt32LE(offset);
      if (length > MAX_FRAME_BYTES) throw new Error(`a frame of ${length} bytes (at most ${MAX_FRAME_BYTES})`);
      if (bytes.length - offset - 4 < length) break;
      onFrame(bytes.subarray(offset + 4, offset + 4 + length));
      offset += 4 + length;
    }
    // A frame cut by the chunk boundary waits for the rest (a copy: the chunk's memory is not ours to keep).
    if (offset < bytes.length) this.rest = Buffer.from(bytes.subarray(offset));
  }
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
      const copy = copyMessage(msg);
      return () => {
        if (!this.closed) setImmediate(() => this.handlers.get(to)?.(from, copy));
      };
    }
    const bytes = serialize([from, to, msg] satisfies WireMessage);
    return () => this.enqueue(to, bytes);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const id of [...this.handlers.keys()]) await this.detach(id);
    for (const peer of this.peers.values()) this.endPeer(peer);
    this.peers.clear();
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private enqueue(to: NodeId, bytes: Buffer): void {
    if (this.closed) return;
    const url = this.lookup(to);
    if (url === undefined) return this.options.onDrop?.(to, 1, "no address published");
    const peer = this.peer(url);
    // A copy of a message already waiting for that process adds nothing: it is dropped, as a network may
    // drop it (every protocol above tolerates losses and duplicates). A busy Raft leader answers each reply
    // with the same AppendEntries; without this, the copies pile up while the receiver catches up.
    if (peer.queue.some((queued) => queued.length === bytes.length && queued.equals(bytes))) return;
    peer.queue.push(bytes);
    if (peer.scheduled || peer.blockedSince !== 0) return;
    // What the nodes of this process send in this turn leaves together, in one chunk.
    peer.scheduled = true;
    setImmediate(() => {
      peer.scheduled = false;
      this.flushPeer(peer);
    });
  }

  private async listen(): Promise<void> {
    if (this.server) return;
    const server = createServer((request, response) => this.receive(request, response));
    // A stream lives as long as both processes: no deadline for a request's body.
    server.requestTimeout = 0;
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

  /** Reads a peer's stream frame by frame, delivering each message to the node it is for. */
  private receive(request: IncomingMessage, response: ServerResponse): void {
    if (request.method !== "POST" || request.url !== PATH) {
      response.writeHead(404).end();
      return;
    }
    request.socket.setNoDelay(true);
    const reader = new FrameReader();
    request.on("data", (chunk: Buffer) => {
      try {
        reader.push(chunk, (frame) => {
          const [from, to, msg] = deserialize(frame) as WireMessage;
          this.handlers.get(to)?.(from, msg);
        });
      } catch (error) {
        response.writeHead(400, { "content-type": "text/plain", connection: "close" });
        response.end(`bad message stream: ${(error as Error).message}`);
        request.destroy();
      }
    });
    request.on("end", () => {
      if (!response.headersSent) response.writeHead(204).end();
    });
  }

  /** The URL of the process a node was last published at (cached until its stream fails). */
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

  /** The stream to a process, opened on first use. */
  private peer(url: string): Peer {
    const existing = this.peers.get(url);
    if (existing !== undefined) return existing;
    const { hostname, port } = new URL(url);
    const stream = httpRequest({
      host: hostname,
      port,
      method: "POST",
      path: PATH,
      agent: false,
      headers: { "content-type": "application/octet-stream", "transfer-encoding": "chunked" },
    });
    const peer: Peer = {
      url,
      stream,
      queue: [],
      scheduled: false,
      blockedSince: 0,
      stuckTimer: undefined,
      written: 0,
    };
    stream.setNoDelay(true);
    stream.on("error", (error) => this.fail(peer, error.message));
    // The receiver answers only when it ends the stream: it refused it, or its process is closing.
    stream.on("response", (response) => {
      response.resume();
      this.fail(peer, `the peer ended the stream (HTTP ${response.statusCode})`);
    });
    stream.on("close", () => this.fail(peer, "the connection closed"));
    stream.on("drain", () => {
      peer.blockedSince = 0;
      clearTimeout(peer.stuckTimer);
      this.flushPeer(peer);
    });
    stream.flushHeaders();
    this.peers.set(url, peer);
    return peer;
  }

  /** Writes what is queued for a process as one chunk, unless its receiver is not keeping up. */
  private flushPeer(peer: Peer): void {
    if (this.peers.get(peer.url) !== peer || peer.queue.length === 0 || peer.blockedSince !== 0) return;
    const batch = peer.queue;
    peer.queue = [];
    peer.written = batch.length;
    if (peer.stream.write(frames(batch))) return;
    peer.blockedSince = Date.now();
    peer.stuckTimer = setTimeout(() => this.fail(peer, `the peer read nothing for ${STUCK_MS} ms`), STUCK_MS);
    peer.stuckTimer.unref();
  }

  /**
   * The process is gone, stuck or refused the stream: what is queued for it would fail the same way. Drop
   * it all, and read its nodes' addresses again next time (a restarted node publishes a new one).
   */
  private fail(peer: Peer, reason: string): void {
    if (this.peers.get(peer.url) !== peer) return;
    this.peers.delete(peer.url);
    this.endPeer(peer);
    for (const [id, known] of this.addresses) if (known === peer.url) this.addresses.delete(id);
    const dropped = peer.queue.length + peer.written;
    peer.queue = [];
    if (dropped > 0 && !this.closed) this.options.onDrop?.(peer.url, dropped, reason);
  }

  private endPeer(peer: Peer): void {
    clearTimeout(peer.stuckTimer);
    peer.stream.destroy();
  }
}
