import { describe, expect, it } from "vitest";
import { parseByteSize } from "./byteSize.js";

describe("parseByteSize", () => {
  it.each([
    [104857600, 104857600],
    ["104857600", 104857600],
    ["100MB", 100 * 2 ** 20],
    ["100 mb", 100 * 2 ** 20],
    ["1.5GiB", 1.5 * 2 ** 30],
    ["512k", 512 * 1024],
    ["512KB", 512 * 1024],
    ["10b", 10],
    ["2T", 2 * 2 ** 40],
    [0, 0],
  ])("%s is %d bytes", (input, bytes) => {
    expect(parseByteSize(input)).toBe(bytes);
  });

  it.each([["-1"], ["MB"], ["1..5MB"], ["10 PB"], ["ten"], [""], [-5], [1.5], [Number.MAX_VALUE], ["99999999999999T"]])("%s is not a size", (input) => {
    expect(parseByteSize(input)).toBeNull();
  });
});
