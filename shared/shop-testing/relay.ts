import net from "node:net";

/**
 * A TCP relay with a fixed address and an upstream that can change. A restarted service comes back on a
 * new port; the services that call it keep the relay's address, so tests restart anything mid-scenario.
 */
export interface Relay {
  readonly url: string;
  /** Points new connections at this base URL (existing ones keep going to the old one until it dies). */
  retarget(url: string): void;
  close(): Promise<void>;
}

export async function startRelay(upstream?: string): Promise<Relay> {
  let target = upstream ? new URL(upstream) : undefined;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.once("close", () => sockets.delete(client));
    if (!target) return void client.destroy();
    const server = net.connect({ host: target.hostname, port: Number(target.port) });
    sockets.add(server);
    server.once("close", () => sockets.delete(server));
    client.on("error", () => server.destroy());
    server.on("error", () => client.destroy());
    client.on("close", () => server.destroy());
    server.on("close", () => client.destroy());
    client.pipe(server);
    server.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    retarget(url) {
      target = new URL(url);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
