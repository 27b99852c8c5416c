import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { findEtcdBinary, findNatsServerBinary } from "@distlab/kit/infra";
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
