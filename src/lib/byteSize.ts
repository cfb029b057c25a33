/**
 * Sizes as people write them in configuration: `104857600`, `100MB`, `1.5 GiB`, `512k`.
 * Units are binary (1 MB = 1,048,576 bytes), as in Boards, whose `100MB` default equals its
 * 104,857,600-byte upload limit.
 */
const UNITS: Record<string, number> = { "": 1, b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** Bytes of a size given as a number or a string; null when it is not a size. */
export function parseByteSize(input: string | number): number | null {
  if (typeof input === "number") return Number.isSafeInteger(input) && input >= 0 ? input : null;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(input);
  if (!match) return null;
  const unit = match[2]!.toLowerCase();
  // A bare "b" suffix is bytes; "kb", "kib", "k" all mean KiB.
  const bytes = Math.round(Number(match[1]) * UNITS[unit || (match[3] ? "b" : "")]!);
  return Number.isSafeInteger(bytes) ? bytes : null;
}
