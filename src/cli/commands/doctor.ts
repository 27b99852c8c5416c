import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { findConsulBinary, findEtcdBinary, findNatsServerBinary } from "@distlab/kit/infra";
import { sandboxSupport } from "../../../shared/sandbox/support.ts";
import { parse } from "../args.ts";

const USAGE = "distlab doctor";
const MIN_NODE = 22;

function version(command: string, args: string[]): string | null {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 5000 });
  if (result.error || result.status !== 0) return null;
  return (result.stdout || result.stderr).trim().split("\n")[0] ?? null;
}

function loopbackWorks(): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(0, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** The etcd and Consul that Lab 08's tests and demo would use here (found the way they find them; nothing is started). */
function registriesForDiscovery(localEtcd: boolean): string[] {
  const etcd = process.env.ETCD_ENDPOINTS
    ? `ETCD_ENDPOINTS=${process.env.ETCD_ENDPOINTS}`
    : localEtcd
      ? "the local etcd, started on a temp folder"
      : "none without Docker (its tests skip, its demo runs on Consul only)";
  const consul = process.env.CONSUL_HTTP_ADDR
    ? `CONSUL_HTTP_ADDR=${process.env.CONSUL_HTTP_ADDR}`
    : findConsulBinary()
      ? "consul agent -dev, started on free ports"
      : "the kit's embedded Consul-compatible registry (distlab registry), unless Docker runs hashicorp/consul";
  return [`- Lab 08's etcd: ${etcd}`, `- Lab 08's Consul: ${consul}`];
}

/** What a lab needs and whether this machine has it; exits 1 only when the kit itself cannot run. */
export async function doctorCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { help: { type: "boolean", short: "h" } }, USAGE);
  if (values.help) return (void process.stdout.write(`usage: ${USAGE}\n`), 0);
  const major = Number(process.versions.node.split(".")[0]);
  const lines: string[] = [];
  let fatal = false;
  if (major < MIN_NODE) {
    fatal = true;
    lines.push(
      `✗ node ${process.version} (${process.execPath}): too old — the kit needs Node ${MIN_NODE}+ and targets Node 24 LTS; run it with 'npx distlab' after 'npm install'`,
    );
  } else {
    lines.push(
      `✓ node ${process.version} (${process.execPath})${major === 24 ? "" : " — the kit targets Node 24 LTS"}`,
    );
  }
  const etcd = findEtcdBinary();
  lines.push(
    etcd
      ? `✓ etcd ${etcd.version}`
      : "- etcd: not installed — Lab 08 and the KV benchmark's baseline use it (Debian: etcd-server)",
  );
  const nats = findNatsServerBinary();
  lines.push(
    nats
      ? `✓ nats-server ${nats.version} (${nats.path})`
      : "- nats-server: not installed — the live actor demo uses the embedded in-process transport (Debian: nats-server)",
  );
  const tools: [string, string[], string][] = [
    ["consul", ["version"], "Lab 08 (or Docker through testcontainers)"],
    [
      "docker",
      ["info", "--format", "{{.ServerVersion}}"],
      "testcontainers; without an engine, local binaries or embedded defaults are used",
    ],
  ];
  for (const [command, args, why] of tools) {
    const found = version(command, args);
    lines.push(found ? `✓ ${command}: ${found}` : `- ${command}: not available — ${why}`);
  }
  lines.push(...registriesForDiscovery(etcd !== null));
  lines.push(
    (await loopbackWorks()) ? "✓ loopback: can listen on 127.0.0.1" : "✗ loopback: cannot listen on 127.0.0.1",
  );
  const sandbox = sandboxSupport();
  lines.push(
    sandbox.bubblewrap
      ? `✓ sandbox: bubblewrap works — graded code runs with loopback only, a read-only kit without solutions/, limits${sandbox.dropToNobody ? ", as nobody" : ""}`
      : `- sandbox: ${sandbox.reason}; grading falls back to process groups, a scrubbed environment${sandbox.prlimit ? " and resource limits" : ""}, and says so in every report ('grade --sandbox required' refuses)`,
  );
  process.stdout.write(`${lines.join("\n")}\n`);
  return fatal ? 1 : 0;
}
