/** How commands print: aligned columns for people, JSON (`--json`) for scripts. */

/** Prints `value` as JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export type Column<T> = { header: string; value: (row: T) => string };

/** Prints rows as a table with a header line; `empty` instead when there are none. */
export function printTable<T>(rows: readonly T[], columns: ReadonlyArray<Column<T>>, empty: string): void {
  if (rows.length === 0) {
    process.stdout.write(`${empty}\n`);
    return;
  }
  const cells = rows.map((row) => columns.map((c) => c.value(row).replace(/\s+/g, " ")));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!))).join("  ");
  process.stdout.write(`${[line(columns.map((c) => c.header.toUpperCase())), ...cells.map(line)].join("\n")}\n`);
}

/** `text` cut to `max` characters, with an ellipsis when cut. */
export const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
