/**
 * Downloading a URL a client gave us without letting it reach our own network (SSRF): only
 * http/https; the host is resolved and every address must be public — loopback, private,
 * link-local (cloud metadata), CGNAT, multicast, unspecified and the IPv6 equivalents
 * (including IPv4-mapped) are refused; the connection goes to the address that was checked (no
 * second DNS answer can swap it); redirects are followed by hand and checked the same way; time
 * and size are bounded. Hosts listed in `allowHosts` (host or host:port) skip the address check,
 * for deliberately trusted internal servers.
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { BlockList, isIP } from "node:net";
import { embeddedIpv4 } from "./embeddedIpv4.js";

export class UrlNotAllowedError extends Error {}
export class DownloadError extends Error {}
export class DownloadTooLargeError extends Error {}

// IPv6 addresses embedding an IPv4 address (mapped, NAT64, 6to4, …) are unwrapped and checked
// as IPv4 (isBlockedAddress), so no such prefixes here: BlockList would apply a ::ffff:0:0/96
// rule to every IPv4 address.
const blocked = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  blocked.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
  ["2001:db8::", 32],
  ["100::", 64],
] as const) {
  blocked.addSubnet(net, prefix, "ipv6");
}

/** Whether an IP address is one a server-side fetch must never reach. */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, "ipv4");
  if (family === 6) {
    // Mapped, NAT64, 6to4 and similar forms reach an IPv4 address: vet that one.
    const inner = embeddedIpv4(address);
    if (inner === "opaque") return true;
    if (inner !== null) return blocked.check(inner, "ipv4");
    return blocked.check(address.split("%")[0]!, "ipv6");
  }
  return true;
}

export type SafeFetchOptions = {
  maxBytes: number;
  timeoutMs: number;
  maxRedirects?: number;
  allowHosts?: string[];
  /** DNS lookup (tests may substitute one). */
  lookup?: (host: string) => Promise<LookupAddress[]>;
};

const defaultLookup = (host: string) =>
  new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

async function vet(url: URL, options: SafeFetchOptions): Promise<string | null> {
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UrlNotAllowedError(`URL not allowed: only http and https`);
  if (url.username || url.password) throw new UrlNotAllowedError("URL not allowed: credentials in URLs are not accepted");
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  if (options.allowHosts?.some((h) => h === url.host || h === hostname)) return null;
  const addresses = isIP(hostname) ? [{ address: hostname, family: isIP(hostname) }] : await (options.lookup ?? defaultLookup)(hostname).catch(() => {
    throw new UrlNotAllowedError(`URL not allowed: cannot resolve ${hostname}`);
  });
  if (addresses.length === 0 || addresses.some((a) => isBlockedAddress(a.address))) {
    throw new UrlNotAllowedError(`URL not allowed: ${hostname} is a private, loopback or link-local address`);
  }
  return addresses[0]!.address;
}

function get(url: URL, pinned: string | null, signal: AbortSignal): Promise<IncomingMessage> {
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "GET",
        signal,
        headers: { "user-agent": "boards-server", accept: "*/*" },
        // Connect to the address that passed the check, not to a fresh DNS answer.
        ...(pinned ? { lookup: (_h: string, _o: object, cb: (e: null, a: string, f: number) => void) => cb(null, pinned, isIP(pinned)) } : {}),
      },
      resolve,
    );
    req.on("error", reject);
    req.end();
  });
}

/**
 * Fetches `raw` and hands the body to `consume` (which must read it to the end). Throws
 * UrlNotAllowedError, DownloadTooLargeError or DownloadError with a message fit for clients.
 */
export async function safeFetch<T>(
  raw: string,
  options: SafeFetchOptions,
  consume: (body: AsyncIterable<Buffer>, info: { contentType: string | null; url: URL }) => Promise<T>,
): Promise<T> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UrlNotAllowedError("URL not allowed: not a valid URL");
  }
  const signal = AbortSignal.timeout(options.timeoutMs);
  for (let hop = 0; ; hop++) {
    const pinned = await vet(url, options);
    let response: IncomingMessage;
    try {
      response = await get(url, pinned, signal);
    } catch (error) {
      throw new DownloadError(`Failed to download from URL: ${(error as Error).name === "TimeoutError" || signal.aborted ? "timed out" : "connection failed"}`);
    }
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location) {
      response.resume();
      if (hop >= (options.maxRedirects ?? 3)) throw new DownloadError("Failed to download from URL: too many redirects");
      url = new URL(response.headers.location, url);
      continue;
    }
    if (status !== 200) {
      response.resume();
      throw new DownloadError(`Failed to download from URL: HTTP ${status}`);
    }
    const declared = Number(response.headers["content-length"]);
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      response.destroy();
      throw new DownloadTooLargeError(`File too large: the limit is ${options.maxBytes} bytes`);
    }
    let seen = 0;
    const limited = (async function* () {
      for await (const chunk of response as AsyncIterable<Buffer>) {
        seen += chunk.length;
        if (seen > options.maxBytes) {
          response.destroy();
          throw new DownloadTooLargeError(`File too large: the limit is ${options.maxBytes} bytes`);
        }
        yield chunk;
      }
    })();
    return consume(limited, { contentType: response.headers["content-type"] ?? null, url });
  }
}
