import type { LookupAddress } from "node:dns";

type LookupOptions = { all?: boolean; family?: number | string };
type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** The `lookup` option of node:net / node:http, in both of the forms Node calls it. */
export type PinnedLookup = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

const familyOf = (family: number | string | undefined): number =>
  family === "IPv4" ? 4 : family === "IPv6" ? 6 : typeof family === "number" ? family : 0;

/**
 * A `lookup` for node:http that answers every name with `addresses` (already resolved and
 * vetted), so the connection cannot go to a second, different DNS answer. Node asks with
 * `all: true` when it races address families (autoSelectFamily, the default since Node 20) and
 * for a single address otherwise; both are answered.
 */
export function pinnedLookup(addresses: readonly LookupAddress[]): PinnedLookup {
  return (_hostname, options, callback) => {
    const family = familyOf(options.family);
    const usable = family === 0 ? addresses : addresses.filter((a) => a.family === family);
    if (usable.length === 0) {
      const error: NodeJS.ErrnoException = Object.assign(new Error(`no IPv${family} address`), { code: "ENOTFOUND" });
      return void callback(error, options.all ? [] : "", family || undefined);
    }
    if (options.all) return void callback(null, usable.map((a) => ({ address: a.address, family: a.family })));
    callback(null, usable[0]!.address, usable[0]!.family);
  };
}
