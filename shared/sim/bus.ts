// The transport a live demo runs its nodes on: NATS when it can have it (NATS_URL, or a nats-server it
// starts on a free loopback port), the in-process bus otherwise — with a line that says which, and why.
import { findNats } from "../infra/nats.ts";
import { EmbeddedTransport, type Transport } from "./live.ts";
import { createNatsTransport } from "./nats.ts";

export interface MessageBus {
  transport: Transport;
  /** Which bus this is, for the audience. */
  description: string;
  /** Stops what was started for the bus (the nats-server); the transport closes with its cluster. */
  stop(): Promise<void>;
}

/** NATS_URL if set; else a nats-server started here; else the embedded transport. `cluster` separates demos on one server. */
export async function openMessageBus(cluster: string): Promise<MessageBus> {
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
    const origin = server.pid === null ? `from ${server.source}` : `${server.source}, started for this run`;
    return { transport, description: `NATS at ${server.url} (${origin})`, stop: () => server.stop() };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
