/** Prints a demo as numbered steps and remembers whether each one did what it said. */
export class Narrator {
  private count = 0;
  private failures: string[] = [];

  say(text: string): void {
    process.stdout.write(`   ${text}\n`);
  }

  async step<T>(title: string, run: () => Promise<T>): Promise<T | undefined> {
    this.count++;
    process.stdout.write(`\n${this.count}. ${title}\n`);
    try {
      const result = await run();
      process.stdout.write(`   ✓ done\n`);
      return result;
    } catch (error) {
      this.failures.push(`${this.count}. ${title}: ${(error as Error).message}`);
      process.stdout.write(`   ✗ ${(error as Error).message}\n`);
      return undefined;
    }
  }

  get ok(): boolean {
    return this.failures.length === 0;
  }

  summary(): string {
    return this.ok
      ? `all ${this.count} steps did what they said`
      : `${this.failures.length} of ${this.count} steps failed:\n  ${this.failures.join("\n  ")}`;
  }
}

export function expectThat(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

/** What a demo leaves running for the audience when it is not run with --once. */
export interface DemoSystem {
  /** Where to look and what to try, one line each. */
  guide: string[];
  /** Settles when the system stops by itself (a process it depends on died). */
  stopped: Promise<unknown>;
  /** Stops everything the demo started, gracefully. */
  stop(): Promise<void>;
}

/** A demo narrates its scenario; it returns the system it leaves running, or nothing when it ends with it. */
export type Demo = (narrator: Narrator, target: string) => Promise<DemoSystem | undefined>;
