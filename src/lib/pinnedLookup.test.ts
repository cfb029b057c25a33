import { describe, expect, it } from "vitest";
import { pinnedLookup } from "./pinnedLookup.js";

const ask = (options: { all?: boolean; family?: number | string }) =>
  new Promise<unknown[]>((resolve) => pinnedLookup([{ address: "93.184.216.34", family: 4 }, { address: "2606:2800::1", family: 6 }])("example.com", options, (...args) => resolve(args)));

describe("pinnedLookup", () => {
  it("answers Node's all-addresses form (autoSelectFamily) with every pinned address", async () => {
    expect(await ask({ all: true })).toEqual([null, [{ address: "93.184.216.34", family: 4 }, { address: "2606:2800::1", family: 6 }]]);
  });
  it("answers the single-address form with the first pinned address", async () => {
    expect(await ask({})).toEqual([null, "93.184.216.34", 4]);
  });
  it("keeps to the family asked for, and never falls back to another address", async () => {
    expect(await ask({ family: 6 })).toEqual([null, "2606:2800::1", 6]);
    expect(await ask({ all: true, family: "IPv4" })).toEqual([null, [{ address: "93.184.216.34", family: 4 }]]);
    const [error] = await new Promise<unknown[]>((resolve) => pinnedLookup([{ address: "93.184.216.34", family: 4 }])("x", { family: 6 }, (...args) => resolve(args)));
    expect(error).toMatchObject({ code: "ENOTFOUND" });
  });
});
