/** A kit file (a lab manifest) that is wrong; the CLI prints what is wrong without a stack. */
export class ConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConfigError";
  }
}

/** A mistake in how a command was called; the CLI prints it without a stack and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
