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
import { pinnedLookup } from "./pinnedLookup.js";

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

/** Resolves a host name to all its addresses (node:dns `lookup` with `all: true`). */
export type HostResolver = (host: string) => Promise<LookupAddress[]>;

export type SafeFetchOptions = {
  maxBytes: number;
  timeoutMs: number;
  maxRedirects?: number;
  allowHosts?: string[];
  /** DNS lookup (tests may substitute one). */
  lookup?: HostResolver;
};

const defaultLookup: HostResolver = (host) =>
  new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

/** Longer URLs are refused: no real file needs one, and the URL is stored with the upload. */
export const MAX_URL_LENGTH = 4096;

const timedOut = () => new DownloadError("Failed to download from URL: timed out");

/** `promise`, or a rejection with `onAbort()` as soon as `signal` aborts (node:dns cannot be cancelled). */
function bounded<T>(promise: Promise<T>, signal: AbortSignal, onAbort: () => Error): Promise<T> {
  if (signal.aborted) return Promise.reject(onAbort());
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(onAbort());
    signal.addEventListener("abort", abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

/**
 * Checks `url` and resolves its host once; the addresses returned are the only ones the
 * connection may use (null for an IP literal, which needs no lookup). Hosts in `allowHosts` skip
 * the address check but are pinned all the same.
 */
async function vet(url: URL, options: SafeFetchOptions, signal: AbortSignal): Promise<LookupAddress[] | null> {
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UrlNotAllowedError(`URL not allowed: only http and https`);
  if (url.username || url.password) throw new UrlNotAllowedError("URL not allowed: credentials in URLs are not accepted");
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  // URL host names are lower case; configured ones may not be.
  const trusted = options.allowHosts?.some((h) => h.toLowerCase() === url.host || h.toLowerCase() === hostname) ?? false;
  const literal = isIP(hostname);
  const addresses = literal
    ? [{ address: hostname, family: literal }]
    : await bounded((options.lookup ?? defaultLookup)(hostname), signal, timedOut).catch((error: unknown) => {
        if (error instanceof DownloadError) throw error;
        throw new UrlNotAllowedError(`URL not allowed: cannot resolve ${hostname}`);
      });
  if (addresses.length === 0) throw new UrlNotAllowedError(`URL not allowed: cannot resolve ${hostname}`);
  if (!trusted && addresses.some((a) => isBlockedAddress(a.address))) {
    throw new UrlNotAllowedError(`URL not allowed: ${hostname} is a private, loopback or link-local address`);
  }
  return literal ? null : addresses;
}

function get(url: URL, pinned: LookupAddress[] | null, signal: AbortSignal): Promise<IncomingMessage> {
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "GET",
        signal,
        headers: { "user-agent": "boards-server", accept: "*/*", "accept-encoding": "identity" },
        // Connect to the addresses that passed the check, not to a fresh DNS answer.
        ...(pinned ? { lookup: pinnedLookup(pinned) } : {}),
      },
      resolve,
    );
    req.on("error", reject);
    req.end();
  });
}

/**
 * Fetches `raw` and hands the body to `consume` (which must read it to the end). Throws
 * UrlNotAllowedError, DownloadTooLargeError or DownloadError with a message fit for clients;
 * the timeout covers every phase (name resolution, connecting, redirects, the whole body).
 */
export async function safeFetch<T>(
  raw: string,
  options: SafeFetchOptions,
  consume: (body: AsyncIterable<Buffer>, info: { contentType: string | null; url: URL }) => Promise<T>,
): Promise<T> {
  if (raw.length > MAX_URL_LENGTH) throw new UrlNotAllowedError(`URL not allowed: longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UrlNotAllowedError("URL not allowed: not a valid URL");
  }
  const signal = AbortSignal.timeout(options.timeoutMs);
  for (let hop = 0; ; hop++) {
    const pinned = await vet(url, options, signal);
    let response: IncomingMessage;
    try {
      response = await get(url, pinned, signal);
    } catch (error) {
      if ((error as Error).name === "TimeoutError" || signal.aborted) throw timedOut();
      throw new DownloadError("Failed to download from URL: connection failed");
    }
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location) {
      // Not drained: a hostile redirect could send an endless body.
      response.destroy();
      if (hop >= (options.maxRedirects ?? 3)) throw new DownloadError("Failed to download from URL: too many redirects");
      const next = URL.parse(response.headers.location, url);
      if (!next || next.href.length > MAX_URL_LENGTH) throw new DownloadError("Failed to download from URL: the redirect location is not a valid URL");
      url = next;
      continue;
    }
    if (status !== 200) {
      response.destroy();
      throw new DownloadError(`Failed to download from URL: HTTP ${status}`);
    }
    const declared = Number(response.headers["content-length"]);
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      response.destroy();
      throw new DownloadTooLargeError(`File too large: the limit is ${options.maxBytes} bytes`);
    }
    let seen = 0;
    const limited = (async function* () {
      try {
        for await (const chunk of response as AsyncIterable<Buffer>) {
          seen += chunk.length;
          if (seen > options.maxBytes) throw new DownloadTooLargeError(`File too large: the limit is ${options.maxBytes} bytes`);
          yield chunk;
        }
      } catch (error) {
        if (error instanceof DownloadTooLargeError) throw error;
        // The stream fails with a bare "aborted" both on our timeout and on the server hanging up.
        if (signal.aborted) throw timedOut();
        throw new DownloadError("Failed to download from URL: the connection was closed before the whole file arrived");
      } finally {
        response.destroy();
      }
    })();
    try {
      return await consume(limited, { contentType: response.headers["content-type"] ?? null, url });
    } finally {
      // Also when `consume` gave up before reading the body.
      response.destroy();
    }
  }
}
