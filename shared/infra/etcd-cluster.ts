// A multi-member etcd cluster on loopback, each member on its own temp folder and free ports: the baseline
// a replicated store is measured against. Members fsync their WAL before acknowledging, as in production.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findEtcdBinary, freePort } from "./etcd.ts";

export interface LocalEtcdCluster {
  /** Client URLs of the members, in member order (http://127.0.0.1:PORT). */
  endpoints: string[];
  version: string;
  stop(): Promise<void>;
}

interface Member {
  name: string;
  client: string;
  peer: string;
  child?: ChildProcess;
  exited?: Promise<void>;
  stderr: string;
}

async function planMembers(count: number): Promise<Member[]> {
  const members: Member[] = [];
  for (let index = 1; index <= count; index++) {
    const [client, peer] = [await freePort(), await freePort()];
    members.push({
      name: `m${index}`,
      client: `http://127.0.0.1:${client}`,
      peer: `http://127.0.0.1:${peer}`,
      stderr: "",
    });
  }
  return members;
}

function startMember(binary: string, member: Member, members: Member[], dir: string): void {
  const cluster = members.map((m) => `${m.name}=${m.peer}`).join(",");
  const child = spawn(
    binary,
    [
      `--name=${member.name}`,
      `--data-dir=${join(dir, member.name)}`,
      `--listen-client-urls=${member.client}`,
      `--advertise-client-urls=${member.client}`,
      `--listen-peer-urls=${member.peer}`,
      `--initial-advertise-peer-urls=${member.peer}`,
      `--initial-cluster=${cluster}`,
      "--initial-cluster-token=distlab-bench",
      "--initial-cluster-state=new",
      "--log-level=error",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  child.stderr!.on("data", (chunk: Buffer) => (member.stderr = (member.stderr + chunk.toString()).slice(-4000)));
  member.child = child;
  member.exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
}

/** True once the member answers /health with a leader elected. */
async function healthy(member: Member): Promise<boolean> {
  try {
    const response = await fetch(`${member.client}/health`, { signal: AbortSignal.timeout(1000) });
    return response.ok && ((await response.json()) as { health?: string }).health === "true";
  } catch {
    return false;
  }
}

/**
 * Starts `count` etcd members (Debian's etcd-server) that form one cluster, and waits until every member
 * reports a leader. stop() kills them all and removes their folders.
 */
export async function startLocalEtcdCluster(count = 3, readyTimeoutMs = 30_000): Promise<LocalEtcdCluster> {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`an etcd cluster needs ≥ 1 member, got ${count}`);
  const binary = findEtcdBinary();
  if (!binary) throw new Error("etcd is not installed (Debian: apt-get install etcd-server)");
  const dir = await mkdtemp(join(tmpdir(), "distlab-etcd-cluster-"));
  const members = await planMembers(count);
  for (const member of members) startMember(binary.path, member, members, dir);
  const stop = async () => {
    for (const member of members) member.child?.kill("SIGKILL");
    await Promise.all(members.map((member) => member.exited));
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    const dead = members.find((member) => member.child !== undefined && member.child.exitCode !== null);
    if (dead) {
      await stop();
      throw new Error(`etcd member ${dead.name} exited while the cluster formed:\n${dead.stderr}`);
    }
    if ((await Promise.all(members.map(healthy))).every(Boolean)) {
      return { endpoints: members.map((member) => member.client), version: binary.version, stop };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const stderr = members.map((member) => `${member.name}: ${member.stderr.trim() || "(no output)"}`).join("\n");
  await stop();
  throw new Error(`the ${count}-member etcd cluster did not elect a leader within ${readyTimeoutMs} ms:\n${stderr}`);
}
