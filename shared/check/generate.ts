// Histories for tests and benchmarks: N clients run operations over K keys against a real, atomic
// in-memory map. Each operation takes effect at a random instant inside its [call, return] interval,
// so the history is linearizable by construction, with as much overlap as the parameters allow.
import { Prng } from "../sim/prng.ts";
import type { KvInput, KvOperation, KvOutput, KvValue } from "./models/kv.ts";

export interface GenerateOptions {
  operations: number;
  clients: number;
  keys: number;
  seed: number;
  /** Longest operation, in clock ticks (default 20). */
  maxDuration?: number;
  /** Longest pause between two operations of one client (default 5). */
  maxThinkTime?: number;
  /** Relative weights of the operation kinds. */
  mix?: Partial<Record<KvInput["op"], number>>;
}

/** A generated history and the order in which its operations actually took effect. */
export interface GeneratedHistory {
  operations: KvOperation[];
  /** Indexes into `operations`, in the order the register applied them. */
  effectOrder: number[];
}

const DEFAULT_MIX: Record<KvInput["op"], number> = { get: 0.4, put: 0.25, append: 0.2, cas: 0.1, delete: 0.05 };

interface Planned {
  client: number;
  call: number;
  return: number;
  effectAt: number;
  tiebreak: number;
  key: string;
  kind: KvInput["op"];
}

export function generateKvHistory(options: GenerateOptions): KvOperation[] {
  return generateKvHistoryWithOrder(options).operations;
}

export function generateKvHistoryWithOrder(options: GenerateOptions): GeneratedHistory {
  const { operations: count, clients, keys, seed } = options;
  if (clients < 1 || keys < 1 || count < 0) throw new RangeError("generate: need at least one client and one key");
  const maxDuration = options.maxDuration ?? 20;
  const maxThink = options.maxThinkTime ?? 5;
  const random = new Prng(seed);
  const pickKind = weightedPicker({ ...DEFAULT_MIX, ...options.mix }, random);

  const planned: Planned[] = [];
  const clock = new Array<number>(clients).fill(0);
  for (let i = 0; i < count; i++) {
    const client = i % clients;
    const call = (clock[client] as number) + random.int(0, maxThink);
    const ret = call + random.int(1, maxDuration);
    clock[client] = ret + 1;
    const effectAt = random.int(call, ret);
    planned.push({
      client,
      call,
      return: ret,
      effectAt,
      tiebreak: random.next(),
      key: `k${random.int(0, keys - 1)}`,
      kind: pickKind(),
    });
  }
  planned.sort((a, b) => a.call - b.call || a.client - b.client);

  const effectOrder = planned
    .map((_, i) => i)
    .sort((a, b) => planned[a]!.effectAt - planned[b]!.effectAt || planned[a]!.tiebreak - planned[b]!.tiebreak);
  const store = new Map<string, string>();
  const operations = new Array<KvOperation>(planned.length);
  let serial = 0;
  for (const index of effectOrder) {
    const plan = planned[index]!;
    const current: KvValue = store.get(plan.key) ?? null;
    const [input, output] = apply(plan, current, store, ++serial, random);
    operations[index] = { client: plan.client, call: plan.call, return: plan.return, input, output };
  }
  return { operations, effectOrder };
}

/** Put values ("p7"), append tokens ("[a7]") and cas values ("c7") are unique, which the planted bugs rely on. */
function apply(
  plan: Planned,
  current: KvValue,
  store: Map<string, string>,
  serial: number,
  random: Prng,
): [KvInput, KvOutput] {
  const key = plan.key;
  switch (plan.kind) {
    case "get":
      return [{ op: "get", key }, { value: current }];
    case "put":
      store.set(key, `p${serial}`);
      return [{ op: "put", key, value: `p${serial}` }, {}];
    case "append":
      store.set(key, `${current ?? ""}[a${serial}]`);
      return [{ op: "append", key, value: `[a${serial}]` }, {}];
    case "delete":
      store.delete(key);
      return [{ op: "delete", key }, {}];
    case "cas": {
      const expected = random.chance(0.6) ? current : random.pick([null, `p${random.int(1, serial)}`]);
      const ok = expected === current;
      if (ok) store.set(key, `c${serial}`);
      return [{ op: "cas", key, expected, value: `c${serial}` }, { ok }];
    }
  }
}

function weightedPicker(weights: Record<KvInput["op"], number>, random: Prng): () => KvInput["op"] {
  const kinds = Object.keys(weights) as Array<KvInput["op"]>;
  const total = kinds.reduce((sum, kind) => sum + Math.max(0, weights[kind]), 0);
  if (!(total > 0)) throw new RangeError("generate: the operation mix has no positive weight");
  return () => {
    let x = random.next() * total;
    for (const kind of kinds) {
      x -= Math.max(0, weights[kind]);
      if (x < 0) return kind;
    }
    return kinds[kinds.length - 1] as KvInput["op"];
  };
}
