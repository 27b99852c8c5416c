// testcontainers, loaded only when it is wanted and only once: the package is imported dynamically (an
// import that fails on an old Node must not take a test file down with it), and whether a container
// runtime answers is probed once per process. Without Docker the probe fails in about a millisecond, so
// the finders fall through to the next option at once.
import type * as TestcontainersModule from "testcontainers";

export type Testcontainers = typeof TestcontainersModule;

export type ContainerRuntime =
  { testcontainers: Testcontainers; reason?: undefined } | { testcontainers: null; reason: string };

let probe: Promise<ContainerRuntime> | undefined;

/** testcontainers with a working container runtime, or null with a one-line reason. */
export function containerRuntime(): Promise<ContainerRuntime> {
  probe ??= (async (): Promise<ContainerRuntime> => {
    let testcontainers: Testcontainers;
    try {
      testcontainers = await import("testcontainers");
    } catch (error) {
      return { testcontainers: null, reason: `testcontainers did not load: ${firstLine(error)}` };
    }
    try {
      await testcontainers.getContainerRuntimeClient();
      return { testcontainers };
    } catch (error) {
      return { testcontainers: null, reason: `no container runtime (${firstLine(error)})` };
    }
  })();
  return probe;
}

export function firstLine(error: unknown): string {
  return ((error as Error)?.message ?? String(error)).split("\n")[0]!;
}
