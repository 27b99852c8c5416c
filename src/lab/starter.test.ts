import { describe, expect, it } from "vitest";
import type { Lab } from "./catalogue.ts";
import { MarkerError, starterText } from "./starter.ts";

const lab = { name: "07-demo", manifest: { id: "07" } } as Lab;

describe("starter generation", () => {
  it("replaces a solution region with a stub naming the lab, the step and the handout", () => {
    const source = [
      'import { x } from "./x.ts";',
      "",
      "export function f(a: number): number {",
      '  // @solution §3 "double the number"',
      "  return a * 2;",
      "  // @end",
      "}",
    ].join("\n");
    expect(starterText(lab, "f.ts", source)).toBe(
      [
        'import { x } from "./x.ts";',
        'import { todo } from "@distlab/kit/service";',
        "",
        "export function f(a: number): number {",
        '  return todo("TODO(lab07 §3): double the number — see labs/07-demo/README.md, step 3");',
        "}",
      ].join("\n"),
    );
  });

  it("turns // @starter lines into code and leaves files without markers alone", () => {
    expect(starterText(lab, "g.ts", "const a = 1;\n// @starter const b = 2;\n")).toBe("const a = 1;\nconst b = 2;\n");
    expect(starterText(lab, "h.ts", "export const answer = 42;\n")).toBe("export const answer = 42;\n");
  });

  it("refuses unbalanced, nested and malformed markers, naming the file and line", () => {
    expect(() => starterText(lab, "a.ts", '// @solution §1 "x"\ncode')).toThrow(
      /a\.ts: the @solution region opened on line 1 has no @end/,
    );
    expect(() => starterText(lab, "b.ts", "code\n// @end")).toThrow(/b\.ts:2: @end without an @solution/);
    expect(() => starterText(lab, "c.ts", '// @solution §1 "x"\n// @solution §2 "y"\n// @end')).toThrow(
      /c\.ts:2: @solution inside/,
    );
    expect(() => starterText(lab, "d.ts", "// @solution step one")).toThrow(MarkerError);
  });
});
