import net from "node:net";

/**
 * A TCP relay to a gRPC server, with two faults the TCP fault proxy cannot play because it decides once
 * per new connection and knows nothing of HTTP/2:
 *
 * - `loseReplies(n)`: lets the next n calls through and, when the server's response headers for one
 *   arrive (the server has handled it), closes both connections instead of forwarding them. The client
 *   sees "Connection dropped" (UNAVAILABLE) for a call that did happen.
 * - `partition()`: from now on nothing crosses, on open connections too (a cable pulled out); `heal()`
 *   closes the connections caught in it, and new ones work again.
 */
export interface GrpcRelay {
  readonly port: number;
  loseReplies(count: number): void;
  /** How many replies it lost so far. */
  readonly lost: number;
  partition(): void;
  heal(): void;
  close(): Promise<void>;
}

const FRAME_HEADER = 9;
const HEADERS = 0x1;

export async function startGrpcRelay(upstreamPort: number): Promise<GrpcRelay> {
  let armed = 0;
  let lost = 0;
  let partitioned = false;
  const connections = new Set<{ cut(): void; caught: boolean }>();

  const server = net.createServer((client) => {
    const upstream = net.connect({ host: "127.0.0.1", port: upstreamPort });
    const connection = {
      caught: partitioned,
      cut() {
        client.destroy();
        upstream.destroy();
        connections.delete(connection);
      },
    };
    connections.add(connection);
    for (const socket of [client, upstream]) {
      socket.on("error", connection.cut);
      socket.on("close", connection.cut);
    }
    client.on("data", (chunk: Buffer) => {
      if (partitioned) connection.caught = true;
      else upstream.write(chunk);
    });
    // Server to client: frame by frame, so that a reply can be lost whole.
    let pending = Buffer.alloc(0);
    upstream.on("data", (chunk: Buffer) => {
      if (partitioned) return void (connection.caught = true);
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= FRAME_HEADER) {
        const length = pending.readUIntBE(0, 3);
        if (pending.length < FRAME_HEADER + length) break;
        const stream = pending.readUInt32BE(5) & 0x7fffffff;
        if (pending[3] === HEADERS && stream > 0 && armed > 0) {
          armed--;
          lost++;
          return connection.cut();
        }
        client.write(pending.subarray(0, FRAME_HEADER + length));
        pending = pending.subarray(FRAME_HEADER + length);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    loseReplies(count) {
      armed = count;
    },
    get lost() {
      return lost;
    },
    partition() {
      partitioned = true;
      for (const connection of connections) connection.caught = true;
    },
    heal() {
      partitioned = false;
      for (const connection of [...connections]) if (connection.caught) connection.cut();
    },
    async close() {
      for (const connection of [...connections]) connection.cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
