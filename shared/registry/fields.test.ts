import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "./durations.ts";
import { type RegistryError } from "./errors.ts";
import { Fields } from "./fields.ts";
import { parseCheck } from "./checks.ts";

describe("Go durations", () => {
  it("parse the forms Consul accepts and print as Go does", () => {
    expect(parseDuration("10s")).toBe(10_000);
    expect(parseDuration("1m30s")).toBe(90_000);
    expect(parseDuration("1.5h")).toBe(5_400_000);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("0")).toBe(0);
    expect(formatDuration(15_000)).toBe("15s");
    expect(formatDuration(60_000)).toBe("1m0s");
    expect(formatDuration(86_400_000)).toBe("24h0m0s");
    expect(formatDuration(250)).toBe("250ms");
  });

  it("refuse anything else, naming the field", () => {
    for (const bad of ["10", "s", "10 s", "1x", "", "1s2"])
      expect(() => parseDuration(bad, "Check.TTL"), bad).toThrow(/Check\.TTL: '.*' is not a duration/);
  });
});

describe("request bodies", () => {
  it("match field names whatever their case, snake_case included, as Consul's decoder does", () => {
    const fields = Fields.of({ name: "web", deregister_critical_service_after: "1m", TAGS: ["a"] });
    expect(fields.string("Name")).toBe("web");
    expect(fields.raw("DeregisterCriticalServiceAfter")).toBe("1m");
    expect(fields.strings("Tags")).toEqual(["a"]);
  });

  it("refuse a field of the wrong type with a 400 naming it", () => {
    const error = (() => {
      try {
        Fields.of({ Check: { TTL: 5, Interval: true } })
          .object("Check")!
          .strings("Interval");
      } catch (caught) {
        return caught as RegistryError;
      }
    })();
    expect(error?.status).toBe(400);
    expect(error?.message).toMatch(/Check\.Interval must be a list of strings, got true/);
  });

  it("refuse check kinds the embedded registry does not run, by name", () => {
    expect(() => parseCheck(Fields.of({ GRPC: "127.0.0.1:9000", Interval: "1s" }))).toThrow(
      /GRPC checks are not supported by the embedded registry/,
    );
  });

  it("refuse a body that is not a JSON object", () => {
    expect(() => Fields.parse("[1,2]")).toThrow(/must be a JSON object/);
    expect(() => Fields.parse("{oops")).toThrow(/Request decode failed/);
  });
});
