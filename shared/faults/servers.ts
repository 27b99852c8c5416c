/**
 * Listening and closing for the proxies' servers. A fault proxy holds sockets on purpose (blackhole,
 * delayed requests), so closing must destroy every open connection rather than wait for it.
 */
import type { Server } from "node:net";
import type { Socket } from "node:net";

export interface Listening {
  host: string;
  port: number;
  /** Stops listening and destroys every connection still open; resolves once the server is closed. */
  close(): Promise<void>;
}

/** Starts `server` on host:port (port 0 picks a free one) and tracks its connections. */
export async function listen(server: Server, port: number, host: string): Promise<Listening> {
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("expected a TCP address");
  let closed: Promise<void> | undefined;
  return {
    host,
    port: address.port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
}

/** The host part of a URL: IPv6 literals go in brackets. */
export function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}
