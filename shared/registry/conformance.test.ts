import Consul from "consul";
import { afterAll, beforeAll, describe } from "vitest";
import { findRealConsul, startEmbeddedConsul, type ConsulServer } from "@distlab/kit/infra";
import { kvCases } from "./conformance-kv.ts";
import { serviceCases } from "./conformance-services.ts";
import { sessionCases } from "./conformance-sessions.ts";
import { raw } from "./test-support.ts";

/**
 * The same cases against the embedded registry and, when one exists (CONSUL_HTTP_ADDR, a consul binary, or
 * Docker), a real Consul: the embedded registry is only as good as its agreement with the real thing.
 * Cases go through the `consul` client the labs use, and through raw HTTP where the client hides the wire.
 */

const real = await findRealConsul();
if (!real.server) console.info(`[registry conformance] real Consul skipped: ${real.reason}`);

conformance("the embedded registry", true, () => startEmbeddedConsul());
conformance(
  real.server ? real.server.source : `a real Consul (skipped: ${real.reason})`,
  !!real.server,
  async () => real.server!,
);

function conformance(label: string, enabled: boolean, start: () => Promise<ConsulServer>) {
  describe.skipIf(!enabled)(`Consul HTTP API conformance — ${label}`, () => {
    let server: ConsulServer;
    let consul: Consul;
    const http = (method: string, path: string, body?: string) => raw(server.url, method, path, body);

    beforeAll(async () => {
      server = await start();
      consul = new Consul({ host: server.host, port: server.port });
    });
    afterAll(async () => server?.stop());

    describe("KV", () => kvCases(() => ({ http, consul })));
    describe("services and health checks", () => serviceCases(() => ({ http, consul })));
    describe("sessions and locks", () => sessionCases(() => ({ http, consul })));
  });
}
