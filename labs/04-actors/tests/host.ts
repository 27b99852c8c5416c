// The code under test runs in the node host, a separate sandboxed process: the tests hold the simulator
// and only ever see data (states, messages, replies) coming back. Importing this module gives every test
// of the file a live host (a fresh one if a handler that never returned stopped the last one).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { nodeHost, type NodeHost } from "@distlab/kit/sandbox";
import { beforeEach } from "vitest";

let current: NodeHost | undefined;

beforeEach(async () => {
  current = await nodeHost();
});

export function host(): NodeHost {
  if (!current) throw new Error("the node host is not started: import ./host.ts from the test file");
  return current;
}

/**
 * Calls one of the lab's handlers that change their data in place (`handleReserve(data, request)`) on a
 * copy of `data` in the host, and gives `data` the changes the handler made.
 */
export function callInPlace<R>(module: string, fn: string, data: object, ...rest: unknown[]): R {
  const { result, args } = host().call<{ result: R; args: unknown[] }>(
    "probes.ts",
    "callInPlace",
    module,
    fn,
    data,
    ...rest,
  );
  const changed = args[0] as Record<string, unknown>;
  for (const key of Object.keys(data)) delete (data as Record<string, unknown>)[key];
  Object.assign(data, changed);
  return result;
}

/** The tests' probe actors live in src/probes.ts; a changed copy would test something else. */
export function expectKitProbes(): void {
  const target = process.env.DISTLAB_TARGET;
  if (!target) return;
  const kit = readFileSync(fileURLToPath(new URL("../src/probes.ts", import.meta.url)), "utf8");
  let submitted: string;
  try {
    submitted = readFileSync(join(target, "src", "probes.ts"), "utf8");
  } catch {
    throw new Error("src/probes.ts is missing: the tests of steps 1–3 use it; restore it from the lab's starter");
  }
  if (submitted !== kit)
    throw new Error("src/probes.ts differs from the lab's starter: the tests use it as shipped; restore it");
}
