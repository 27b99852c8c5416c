/**
 * Starts a fault proxy from the command line, for demo scripts and the dashboard:
 *
 *   node shared/faults/main.ts --upstream http://127.0.0.1:4002 [--port N] [--admin-port N]
 *                              [--seed S] [--host H] [--rules JSON-ARRAY]
 *
 * An upstream of the form tcp://HOST:PORT starts the TCP proxy instead. Each flag can come from the
 * environment instead: FAULTS_UPSTREAM, FAULTS_PORT, FAULTS_ADMIN_PORT, FAULTS_SEED, FAULTS_HOST,
 * FAULTS_RULES. Prints one JSON line once listening:
 *   {"msg":"listening","url":...,"admin":...,"seed":...}
 * and stops on SIGTERM or SIGINT. Bad flags print {"msg":"error",...} on stderr and exit with 2.
 */
import { parseArgs } from "node:util";
import { startFaultProxy } from "./http-proxy.ts";
import { startTcpFaultProxy } from "./tcp-proxy.ts";
import { FaultRuleError, httpRuleSchema, parseRule, tcpRuleSchema } from "./rules.ts";
import { urlHost } from "./servers.ts";

class UsageError extends Error {}

function integerFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a non-negative integer, got "${value}"`);
  return Number(value);
}

function rulesFlag(value: string | undefined): unknown[] {
  if (value === undefined || value === "") return [];
  let rules: unknown;
  try {
    rules = JSON.parse(value);
  } catch (error) {
    throw new UsageError(`--rules is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(rules)) throw new UsageError("--rules must be a JSON array of rules");
  return rules;
}

async function start(): Promise<{ line: Record<string, unknown>; close: () => Promise<void> }> {
  const { values } = parseArgs({
    options: {
      upstream: { type: "string" },
      port: { type: "string" },
      "admin-port": { type: "string" },
      seed: { type: "string" },
      host: { type: "string" },
      rules: { type: "string" },
    },
    strict: true,
  });
  const env = process.env;
  const upstream = values.upstream ?? env.FAULTS_UPSTREAM;
  if (upstream === undefined) throw new UsageError("--upstream URL is required (or FAULTS_UPSTREAM)");
  let upstreamUrl: URL;
  try {
    upstreamUrl = new URL(upstream);
  } catch {
    throw new UsageError(`--upstream is not a URL: "${upstream}"`);
  }
  const common = {
    port: integerFlag("port", values.port ?? env.FAULTS_PORT) ?? 0,
    adminPort: integerFlag("admin-port", values["admin-port"] ?? env.FAULTS_ADMIN_PORT),
    seed: integerFlag("seed", values.seed ?? env.FAULTS_SEED),
    host: values.host ?? env.FAULTS_HOST ?? "127.0.0.1",
  };
  const rules = rulesFlag(values.rules ?? env.FAULTS_RULES);

  if (upstreamUrl.protocol === "tcp:") {
    const proxy = await startTcpFaultProxy({
      ...common,
      adminPort: common.adminPort ?? 0,
      upstream: { host: upstreamUrl.hostname, port: Number(upstreamUrl.port) },
      rules: rules.map((rule) => parseRule(tcpRuleSchema, rule)),
    });
    const url = `tcp://${urlHost(proxy.host)}:${proxy.port}`;
    return { line: { msg: "listening", url, admin: proxy.adminUrl, seed: proxy.seed }, close: () => proxy.close() };
  }
  const proxy = await startFaultProxy({
    ...common,
    upstream: upstreamUrl,
    rules: rules.map((rule) => parseRule(httpRuleSchema, rule)),
  });
  return {
    line: { msg: "listening", url: proxy.url, admin: proxy.adminUrl, seed: proxy.seed },
    close: () => proxy.close(),
  };
}

try {
  const { line, close } = await start();
  process.stdout.write(`${JSON.stringify(line)}\n`);
  const stop = (): void => {
    void close().then(() => {
      process.stdout.write(`${JSON.stringify({ msg: "stopped" })}\n`);
      process.exit(0);
    });
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
} catch (error) {
  const known = error instanceof UsageError || error instanceof FaultRuleError || error instanceof TypeError;
  process.stderr.write(`${JSON.stringify({ msg: "error", error: (error as Error).message })}\n`);
  process.exit(known ? 2 : 1);
}
