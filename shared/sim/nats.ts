// A NATS transport for the live runtime: node `id` of cluster `c` listens on subject `distlab.c.id`
// (both escaped to valid subject tokens); sending publishes a JSON envelope { from, msg } there.
// Payloads must therefore be JSON data.
// @nats-io/transport-node is loaded on first use, so the rest of the kit works without it.
import type { Transport } from "./live.ts";
import type { NodeId } from "./types.ts";

/** The small part of the nats.js API this transport uses. */
interface NatsMsg {
  string(): string;
}
interface NatsSubscription {
  unsubscribe(): void;
}
interface NatsConnection {
  subscribe(subject: string, options: { callback: (error: Error | null, msg: NatsMsg) => void }): NatsSubscription;
  publish(subject: string, data: string): void;
  flush(): Promise<void>;
  drain(): Promise<void>;
  close(): Promise<void>;
  isClosed(): boolean;
  /** Resolves when the connection is closed for good: with the error that closed it, if any. */
  closed(): Promise<void | Error>;
}
interface NatsModule {
  connect(options: { servers: string | string[]; name?: string }): Promise<NatsConnection>;
}

export interface NatsTransportOptions {
  /** Server URL(s); defaults to NATS_URL, then nats://127.0.0.1:4222. */
  servers?: string | string[];
  /** Cluster name: separates several demos sharing one server. */
  cluster: string;
  onError?: (error: unknown) => void;
}

const PACKAGE = "@nats-io/transport-node";

export function natsSubject(cluster: string, id: NodeId): string {
  return `distlab.${subjectToken(cluster)}.${subjectToken(id)}`;
}

/**
 * A NATS subject token cannot hold ".", "*", ">" or white space, so everything but letters, digits,
 * "_" and "-" becomes %XXXX (its UTF-16 code in hex, "%" included): plain ids stay readable, and two
 * different names never share a subject.
 */
function subjectToken(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, (char) => `%${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export async function createNatsTransport(options: NatsTransportOptions): Promise<Transport> {
  const servers = options.servers ?? process.env["NATS_URL"] ?? "nats://127.0.0.1:4222";
  let nats: NatsModule;
  try {
    nats = (await import(PACKAGE)) as NatsModule;
  } catch (error) {
    throw new Error(
      `the NATS transport needs the npm package ${PACKAGE} (npm install ${PACKAGE}); the embedded transport works without it`,
      { cause: error },
    );
  }
  let connection: NatsConnection;
  try {
    connection = await nats.connect({ servers, name: `distlab-${options.cluster}` });
  } catch (error) {
    throw new Error(
      `cannot reach a NATS server at ${String(servers)}: start one (e.g. Debian's nats-server) or set NATS_URL, or use the embedded transport`,
      { cause: error },
    );
  }
  const subscriptions = new Map<NodeId, NatsSubscription>();
  const onError = options.onError ?? ((error: unknown) => process.stderr.write(`nats transport: ${String(error)}\n`));
  // Past connect, the client reconnects by itself; it gives up (and closes) only after many attempts,
  // and then every later send would vanish without a word: say so once.
  const closed = connection.closed().then((error) => {
    if (error) onError(new Error(`lost the NATS connection to ${String(servers)}`, { cause: error }));
  });
  return {
    async attach(id, deliver) {
      const subscription = connection.subscribe(natsSubject(options.cluster, id), {
        callback: (error, msg) => {
          if (error !== null) return onError(error);
          try {
            const envelope = JSON.parse(msg.string()) as { from: NodeId; msg: unknown };
            deliver(envelope.from, envelope.msg);
          } catch (parseError) {
            onError(parseError);
          }
        },
      });
      subscriptions.set(id, subscription);
      await connection.flush();
    },
    async detach(id) {
      subscriptions.get(id)?.unsubscribe();
      subscriptions.delete(id);
    },
    send(from, to, msg) {
      connection.publish(natsSubject(options.cluster, to), JSON.stringify({ from, msg }));
    },
    async close() {
      subscriptions.clear();
      // Draining delivers what is in flight; it fails while the server is unreachable, and then
      // there is nothing left to deliver: close anyway, so that stopping a demo never hangs or throws.
      if (!connection.isClosed()) await connection.drain().catch(() => connection.close());
      await closed;
    },
  };
}
