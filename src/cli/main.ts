import { UsageError } from "./args.ts";

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  list: { summary: "labs, weeks and points", load: async () => (await import("./commands/list.ts")).listCommand },
  doctor: {
    summary: "Node version and what is installed",
    load: async () => (await import("./commands/doctor.ts")).doctorCommand,
  },
  test: { summary: "run a lab's visible tests", load: async () => (await import("./commands/test.ts")).testCommand },
  grade: {
    summary: "grade a lab (visible + hidden tests)",
    load: async () => (await import("./commands/grade.ts")).gradeCommand,
  },
  autograder: {
    summary: "build a lab's Gradescope autograder zip",
    load: async () => (await import("./commands/autograder.ts")).autograderCommand,
  },
  starter: {
    summary: "write labs/ from solutions/ (--check: fail on drift)",
    load: async () => (await import("./commands/starter.ts")).starterCommand,
  },
  export: {
    summary: "write the student edition to a folder",
    load: async () => (await import("./commands/export.ts")).exportCommand,
  },
  run: {
    summary: "run one service of a lab in the foreground",
    load: async () => (await import("./commands/run.ts")).runCommand,
  },
  demo: {
    summary: "start a lab's reference system with a narrated scenario",
    load: async () => (await import("./commands/demo.ts")).demoCommand,
  },
  bench: {
    summary: "benchmarks, with their baselines measured in the same run",
    load: async () => (await import("./commands/bench.ts")).benchCommand,
  },
  mutate: {
    summary: "plant each lab's known bugs in its solution and check the tests catch them",
    load: async () => (await import("./commands/mutate.ts")).mutateCommand,
  },
  coverage: {
    summary: "each requirement of a handout, the tests that check it and the mutants that break it",
    load: async () => (await import("./commands/coverage.ts")).coverageCommand,
  },
  check: {
    summary: "check a history for linearizability (--model kv)",
    load: async () => (await import("./commands/check.ts")).checkCommand,
  },
  trace: {
    summary: "render a simulator trace as a timeline (text or --html)",
    load: async () => (await import("./commands/trace.ts")).traceCommand,
  },
  registry: {
    summary: "the embedded Consul-compatible registry in the foreground (--port, default 8500)",
    load: async () => (await import("./commands/registry.ts")).registryCommand,
  },
  verify: {
    summary: "every CI gate: typecheck, lint, starters, kit tests, grades",
    load: async () => (await import("./commands/verify.ts")).verifyCommand,
  },
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`);
  return `usage: distlab <command> [options]\n\ncommands:\n${lines.join("\n")}\n\n<lab> is 01, kv or 01-kv. Run 'distlab <command> --help' for a command's options.\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(help());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`distlab: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  try {
    return await (
      await command.load()
    )(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`distlab ${name}: ${error.message}\n`);
      return 2;
    }
    const plain = error instanceof Error && ["TodoError", "ConfigError"].includes(error.name);
    const text = error instanceof Error && !plain ? (error.stack ?? error.message) : (error as Error).message;
    process.stderr.write(`distlab ${name}: ${text}\n`);
    return 1;
  }
}
