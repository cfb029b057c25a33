/**
 * IPv6 addresses that carry an IPv4 address inside them and reach it through a translator or
 * tunnel: a server-side fetch to one of them may end up at the embedded IPv4 address, so that
 * address is what must be vetted.
 */
import { isIPv6 } from "node:net";

/** The 16 bytes of an IPv6 address (zone id ignored), or null when it is not one. */
export function ipv6Bytes(address: string): Uint8Array | null {
  const plain = address.split("%")[0]!;
  if (!isIPv6(plain)) return null;
  let text = plain;
  // A dotted IPv4 tail stands for the last two groups.
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split("::") as [string, string | undefined];
  const groups = (s: string | undefined) => (s ? s.split(":").map((g) => parseInt(g, 16)) : []);
  const left = groups(head);
  const right = groups(rest);
  const all = rest === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return bytes;
}

const startsWith = (bytes: Uint8Array, prefix: number[]) => prefix.every((b, i) => bytes[i] === b);
const dotted = (b: Uint8Array, at: number) => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
const ZERO_80 = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

/**
 * The IPv4 address an IPv6 address leads to, if it embeds one: IPv4-mapped (::ffff:0:0/96),
 * IPv4-compatible (::/96), IPv4-translated (::ffff:0:0:0/96), NAT64 (64:ff9b::/96) and 6to4
 * (2002::/16). `"opaque"` for translator ranges whose IPv4 target cannot be read off the
 * address (local-use NAT64 64:ff9b:1::/48, Teredo 2001::/32). Null for other addresses.
 */
export function embeddedIpv4(address: string): string | "opaque" | null {
  const b = ipv6Bytes(address);
  if (!b) return null;
  if (startsWith(b, [...ZERO_80, 0xff, 0xff])) return dotted(b, 12);
  if (startsWith(b, [...ZERO_80, 0, 0])) return dotted(b, 12);
  if (startsWith(b, [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0])) return dotted(b, 12);
  if (startsWith(b, [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0])) return dotted(b, 12);
  if (startsWith(b, [0x20, 0x02])) return dotted(b, 2);
  if (startsWith(b, [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01])) return "opaque";
  if (startsWith(b, [0x20, 0x01, 0x00, 0x00])) return "opaque";
  return null;
}
