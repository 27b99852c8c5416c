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
