/**
 * Aligned text tables for the benchmarks' reports: each cell padded to its column's widest, numbers
 * right-aligned where asked, trailing spaces trimmed. Widths count code points, so "≤" and "×" take
 * one column each, as a terminal shows them. Pure: cells in, text out.
 */

/**
 * The rows (the first is usually the headings) as lines of columns two spaces apart.
 * @example
 * ```ts
 * formatTextTable([["case", "ms"], ["first", "12,346"]], { rightAligned: new Set([1]) });
 * // "case       ms\nfirst  12,346"
 * ```
 */
export function formatTextTable(
  rows: readonly (readonly string[])[],
  options: { readonly rightAligned: ReadonlySet<number> },
): string {
  const columns = Math.max(0, ...rows.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, column) =>
    Math.max(...rows.map((row) => [...(row[column] ?? "")].length)),
  );
  return rows
    .map((row) =>
      widths
        .map((width, column) => {
          const cell = row[column] ?? "";
          const fill = " ".repeat(width - [...cell].length);
          return options.rightAligned.has(column) ? fill + cell : cell + fill;
        })
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** `text` with each line indented by two spaces: how a report nests a table under its heading line. */
export function indentLines(text: string): string {
  return text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}
