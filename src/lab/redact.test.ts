import { describe, expect, it } from "vitest";
import { makeRedactor, MESSAGE_LIMIT, secretValues } from "./redact.ts";

const redact = makeRedactor({
  hiddenLines: ['expect(balance, "the refund is credited once").toBe(500);'],
  hiddenFileNames: ["torn-tail.test.ts"],
  secrets: ["s3cr3t-token-value"],
  paths: [
    ["/work/main", "<kit>"],
    ["/work/main/.distlab/targets/01-kv-abc", "<submission>"],
  ],
});

describe("what a report may quote of a submission's output", () => {
  it("withholds a line that carries a hidden test's text", () => {
    const quoted = 'service printed:\n  expect(balance, "the refund is credited once").toBe(500);\nbye';
    expect(redact(quoted)).toBe("service printed:\n[withheld: text of a hidden test]\nbye");
  });

  it("names no hidden test file and no path of the grading machine", () => {
    expect(redact("read /work/main/solutions/01-kv/tests/torn-tail.test.ts")).toBe(
      "read <kit>/solutions/01-kv/tests/<hidden test file>",
    );
    expect(redact("at /work/main/.distlab/targets/01-kv-abc/src/main.ts")).toBe("at <submission>/src/main.ts");
  });

  it("masks the grader's secrets", () => {
    expect(redact("env: TOKEN=s3cr3t-token-value")).toBe("env: TOKEN=[redacted]");
    expect(secretValues({ GRADESCOPE_TOKEN: "abcdefgh", PATH: "/usr/bin", API_KEY: "short" })).toEqual(["abcdefgh"]);
  });

  it("bounds what it quotes", () => {
    const quoted = redact("x".repeat(MESSAGE_LIMIT * 3));
    expect(quoted.length).toBeLessThan(MESSAGE_LIMIT + 20);
    expect(quoted).toMatch(/… \(cut\)$/);
  });
});
