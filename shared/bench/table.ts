// Plain-text tables for benchmark reports.

/** `align` has one letter per column, "l" or "r"; by default the first column is left-aligned, the rest right. */
export function formatTable(header: string[], rows: string[][], align = `l${"r".repeat(header.length - 1)}`): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (align[i] === "r" ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
