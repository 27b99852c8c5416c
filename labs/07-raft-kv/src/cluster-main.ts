// The live cluster in one command (`distlab run 07 cluster --nodes 3 --port P --data-dir D`): starts one
// process per server (`distlab run 07 node`, as workers of node:cluster), all answering Lab 01's API on P —
// the kernel hands each new connection to one of them, and any server answers through its clerks. All of
// them get --data-dir D: each keeps its files in D/<name>, their addresses are in D/peers. A server that dies
// (kill -9) is started again after RAFT_KV_RESTART_MS; the workers die with this process (node:cluster
// ends a worker whose parent is gone), so nothing outlives the cluster.
import cluster, { type Worker } from "node:cluster";
import { resolve } from "node:path";
import { serviceConfigFromEnv } from "@distlab/kit/service";
import { serverNames } from "./settings.ts";

const config = serviceConfigFromEnv();
const nodes = Number(process.env.DISTLAB_NODES ?? "3");
if (!Number.isInteger(nodes) || nodes < 1 || nodes > 9)
  throw new Error(`--nodes (DISTLAB_NODES) must be a whole number from 1 to 9, got '${process.env.DISTLAB_NODES}'`);
const restartMs = Number(process.env.RAFT_KV_RESTART_MS ?? "1000");
const servers = serverNames(nodes);
const dataDir = resolve(config.dataDir);

const log = (fields: Record<string, unknown>, msg: string) =>
  process.stdout.write(`${JSON.stringify({ name: "raft-kv-cluster", time: Date.now(), ...fields, msg })}\n`);

// Each worker is the CLI again, running this lab's `node` service on the same code (the --target and the
// prerequisite map of this run are in the environment the workers inherit).
const cli = process.argv[1]!;
const lab = process.env.DISTLAB_LAB ?? "07";
const target = process.env.DISTLAB_TARGET;

const workers = new Map<number, string>();
let stopping = false;

function startServer(name: string): Worker {
  cluster.setupPrimary({
    exec: cli,
    args: [
      "run",
      lab,
      "node",
      ...(target ? ["--target", target] : []),
      ...["--port", String(config.port), "--host", config.host, "--data-dir", dataDir],
    ],
  });
  const worker = cluster.fork({ RAFT_KV_NODE: name, RAFT_KV_NODES: servers.join(",") });
  workers.set(worker.id, name);
  log({ node: name, pid: worker.process.pid }, "server process started");
  return worker;
}

cluster.on("exit", (worker, code, signal) => {
  const name = workers.get(worker.id);
  workers.delete(worker.id);
  if (name === undefined || stopping) return;
  log({ node: name, pid: worker.process.pid, code, signal, restartInMs: restartMs }, "server process died");
  setTimeout(() => {
    if (!stopping) startServer(name);
  }, restartMs);
});

function stop(signal: string): void {
  if (stopping) return;
  stopping = true;
  log({ signal }, "stopping the cluster");
  for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM");
  const force = setTimeout(() => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGKILL");
    process.exit(1);
  }, 10_000);
  force.unref();
  cluster.disconnect(() => process.exit(0));
}
process.once("SIGTERM", () => stop("SIGTERM"));
process.once("SIGINT", () => stop("SIGINT"));

for (const name of servers) startServer(name);
