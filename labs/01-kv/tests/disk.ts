import { crc32 } from "node:zlib";
import { coveringSync, type FileOperation, type Observation } from "@distlab/kit/observe";

/**
 * Test helpers for what the KV does on disk, read from the kit's observation of the process (the writes,
 * syncs, renames and closes of its data folder and its replies, in order) and from kv.log itself.
 */

export const LOG = "kv.log";

export interface LoggedRecord {
  op: string;
  key?: string;
  value?: string;
  version: number;
}

/**
 * Reads frames as the handout defines them (u32 LE payload length, u32 LE CRC-32 of the payload, JSON
 * payload), independently of the code under test. Stops at the first frame that is not whole and intact.
 */
export function readFrames(bytes: Buffer): { records: { record: LoggedRecord; end: number }[]; validBytes: number } {
  const records: { record: LoggedRecord; end: number }[] = [];
  let offset = 0;
  while (offset + 8 <= bytes.length) {
    const length = bytes.readUInt32LE(offset);
    const end = offset + 8 + length;
    if (end > bytes.length) break;
    const payload = bytes.subarray(offset + 8, end);
    if (crc32(payload) !== bytes.readUInt32LE(offset + 4)) break;
    try {
      records.push({ record: JSON.parse(payload.toString("utf8")) as LoggedRecord, end });
    } catch {
      break;
    }
    offset = end;
  }
  return { records, validBytes: offset };
}

/**
 * Each record the service appended to kv.log, with the write that put its last byte in the file. The
 * writes are read in order as one stream, so a record split over several writes is found too.
 */
export function loggedRecords(observation: Observation): { record: LoggedRecord; write: FileOperation }[] {
  const writes = observation
    .operations({ kind: "write", file: LOG })
    .filter((write) => write.error === undefined && write.data !== undefined);
  const bounds: number[] = [];
  let total = 0;
  for (const write of writes) bounds.push((total += write.data!.length));
  const { records } = readFrames(Buffer.concat(writes.map((write) => write.data!)));
  return records.map(({ record, end }) => ({ record, write: writes[bounds.findIndex((bound) => bound >= end)]! }));
}

/**
 * The successful PUT replies sent before the sync that makes their record durable: each must follow a
 * sync of kv.log that started after the write holding its record had returned.
 */
export function repliesBeforeTheirSync(observation: Observation): string[] {
  const logged = loggedRecords(observation);
  const puts = observation.replies((reply) => reply.method === "PUT" && reply.status === 200);
  return puts.flatMap((reply) => {
    const key = decodeURIComponent(reply.url.slice("/kv/".length));
    const found = logged.find(({ record }) => record.op === "put" && record.key === key);
    if (!found) return [`${key}: acknowledged, but no write to ${LOG} holds its record`];
    if (found.write.start > reply.seq) return [`${key}: acknowledged before its record was even written`];
    return coveringSync(observation, found.write, reply.seq)
      ? []
      : [`${key}: acknowledged before a sync of ${LOG} that started after its write had returned`];
  });
}

/**
 * Waits until the service has sent `replies` replies (so every event before them has arrived too) and no write
 * or sync of kv.log is still running: the store is at rest before the test reads what it reports, on a slow
 * machine as on a fast one.
 */
export async function atRest(observation: Observation, replies: number): Promise<void> {
  await observation.until(
    () =>
      observation.replies().length >= replies &&
      observation.operations({ file: LOG }).every((operation) => operation.end !== undefined),
    `${replies} replies and no write or sync of ${LOG} still running`,
  );
}

/** Operations on kv.log that started while another write or sync of it was still running. */
export function overlappingFlushes(observation: Observation): string[] {
  const operations = observation
    .operations({ file: LOG })
    .filter((operation) => operation.kind === "write" || operation.kind === "sync");
  return operations.flatMap((operation, index) => {
    const running = operations.slice(0, index).find((other) => other.end === undefined || other.end > operation.start);
    return running ? [`a ${operation.kind} of ${LOG} started while a ${running.kind} of it was still running`] : [];
  });
}

/** One gauge from /metrics text. */
export function gauge(metrics: string, name: string): number {
  const line = metrics
    .split("\n")
    .find((candidate) => candidate.startsWith(`${name}{`) || candidate.startsWith(`${name} `));
  if (!line) throw new Error(`/metrics has no ${name} (see "Metrics" in the handout)`);
  return Number(line.split(" ").pop());
}
