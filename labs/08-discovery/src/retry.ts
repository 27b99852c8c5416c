import type { Logger } from "pino";

/**
 * Tries `attempt` until it succeeds or `stop()` says to give up, waiting 200 ms, 400 ms, … up to 2 s between
 * tries. Registering while the registry is down is not an error a service should die of: it waits it out.
 */
export async function retryUntilDone(
  what: string,
  attempt: () => Promise<void>,
  stop: () => boolean,
  logger?: Logger,
): Promise<void> {
  let delay = 200;
  while (!stop()) {
    try {
      await attempt();
      return;
    } catch (error) {
      // An unwritten step is not a passing outage: stop, and let its TODO message end the process.
      if ((error as Error).name === "TodoError") throw error;
      logger?.warn({ err: (error as Error).message, retryInMs: delay }, `${what} failed`);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 2_000);
    }
  }
}
