import { describe, expect, it } from "vitest";
import { generateKvHistory } from "./generate.ts";
import { formatHistory, HistoryError, parseHistory } from "./history.ts";
import { kvModel } from "./models/kv.ts";

const line = (fields: Record<string, unknown>) =>
  JSON.stringify({ client: 0, call: 1, return: 2, input: { op: "get", key: "a" }, output: { value: null }, ...fields });

function problemWith(text: string): string {
  try {
    parseHistory(text, kvModel);
  } catch (error) {
    if (error instanceof HistoryError) return error.message;
    throw error;
  }
  return "no error";
}

describe("history files", () => {
  it("reads back what formatHistory writes", () => {
    const history = generateKvHistory({ operations: 200, keys: 3, clients: 4, seed: 1 });
    expect(parseHistory(formatHistory(history), kvModel)).toEqual(history);
  });

  it("skips blank lines but counts them in line numbers", () => {
    expect(problemWith(`${line({})}\n\n${line({ call: "soon" })}\n`)).toBe(
      'line 3: "call" must be an integer, got "soon"',
    );
  });

  it.each([
    ["not json", "{oops", /^line 2: not valid JSON/],
    [
      "a missing field",
      JSON.stringify({ client: 0, call: 1, return: 2, input: { op: "get", key: "a" } }),
      /^line 2: missing field "output"$/,
    ],
    ["an unknown field", line({ extra: 1 }), /^line 2: unknown field "extra"/],
    ["a return before its call", line({ call: 5, return: 3 }), /^line 2: "return" \(3\) is before "call" \(5\)$/],
    ["a non-integer time", line({ return: 2.5 }), /^line 2: "return" must be an integer/],
    ["a negative client", line({ client: -1 }), /^line 2: "client" must be a non-negative integer/],
    [
      "an unknown operation",
      line({ input: { op: "incr", key: "a" } }),
      /^line 2: input.op must be one of get, put, append, delete, cas \(got "incr"\)$/,
    ],
    ["a get without a value", line({ output: {} }), /^line 2: output of get must be \{"value": string \| null\}$/],
    [
      "a cas without ok",
      line({ input: { op: "cas", key: "a", expected: null, value: "1" }, output: {} }),
      /^line 2: output of cas must be \{"ok": true \| false\}$/,
    ],
    [
      "a put without a value",
      line({ input: { op: "put", key: "a" }, output: {} }),
      /^line 2: input.value must be a string for put$/,
    ],
  ])("rejects %s with the line number", (_what, bad, expected) => {
    expect(problemWith(`${line({})}\n${bad}\n${line({})}`)).toMatch(expected);
  });

  it("reads any JSON spelling of an operation like the canonical one", () => {
    const canonical = {
      client: 3,
      call: 1234567890123456,
      return: null,
      input: { op: "put", key: 'k"\\\u00e9', value: "tab\there" },
      output: null,
    };
    const spellings = [
      JSON.stringify(canonical),
      JSON.stringify(canonical, null, 0).replace(/,/g, ", ").replace(/:/g, ": "),
      `{"input":${JSON.stringify(canonical.input)},"output":null,"return":null,"call":1234567890123456,"client":3}\r`,
      JSON.stringify(canonical).replace('"client":3', '"client":3.0'),
    ];
    for (const text of spellings) expect(parseHistory(text, kvModel), text).toEqual([canonical]);
    const proto = parseHistory(line({}).replace('"key":"a"', '"key":"a","__proto__":"x"'), kvModel)[0]?.input;
    expect(Object.keys(proto ?? {})).toEqual(["op", "key", "__proto__"]);
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(problemWith(`${line({})}\n${line({}).replace('"call":1', '"call":01')}`)).toMatch(/^line 2: not valid JSON/);
    expect(problemWith(`${line({})}\n${line({}).replace('"key":"a"', '"key":"a\tb"')}`)).toMatch(
      /^line 2: not valid JSON/,
    );
  });

  it("accepts an unknown outcome as return null with output null", () => {
    expect(parseHistory(line({ return: null, output: null }), kvModel)[0]?.return).toBeNull();
  });
});
