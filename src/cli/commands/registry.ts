import { startRegistry } from "@distlab/kit/registry";
import { integerFlag, parse, UsageError } from "../args.ts";

const USAGE = "distlab registry [--port N] [--host ADDRESS] [--quiet]";

/**
 * The embedded Consul-compatible registry in the foreground, for machines without Consul: point the
 * `consul` client (or curl) at the address it prints. In memory, like `consul agent -dev`: stopping it
 * forgets everything. Prints one JSON line when listening, then a line per check status probe unless --quiet.
 */
export async function registryCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      port: { type: "string" },
      host: { type: "string" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    USAGE,
  );
  if (values.help) return (void process.stdout.write(`usage: ${USAGE}\n`), 0);
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'\nusage: ${USAGE}`);
  const port = integerFlag("port", values.port, 0, 65535) ?? 8500;
  const host = values.host ?? "127.0.0.1";
  let last = new Map<string, string>();
  const registry = await startRegistry({
    port,
    host,
    onProbe: (checkId, status, output) => {
      if (values.quiet || last.get(checkId) === status) return;
      last = new Map(last).set(checkId, status);
      process.stdout.write(`${JSON.stringify({ msg: "check", checkId, status, output })}\n`);
    },
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "EADDRINUSE")
      throw new UsageError(`port ${port} is in use on ${host}: pick another with --port`);
    throw error;
  });
  process.stdout.write(
    `${JSON.stringify({ msg: "listening", url: registry.url, port: registry.port, env: `CONSUL_HTTP_ADDR=${registry.host}:${registry.port}` })}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await registry.close();
  return 0;
}
