/**
 * Rules for the URLs the server fetches signing keys and discovery documents from. Keys fetched
 * over plain HTTP could be swapped by anyone on the path, so HTTP is allowed only for loopback
 * hosts (an identity provider running on the same machine, for development and tests).
 */
import { isIP } from "node:net";

/** Whether `hostname` (as `URL.hostname` gives it) is this machine: localhost, 127.0.0.0/8 or ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1" || host === "0:0:0:0:0:0:0:1";
  return false;
}

/**
 * Why `value` may not be used as an identity-provider endpoint, or null when it may: it must be
 * an absolute https URL (http only on a loopback host), without credentials or a fragment.
 */
export function endpointUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be an absolute URL";
  }
  if (url.username || url.password) return "must not contain credentials";
  if (url.hash) return "must not contain a fragment";
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:") {
    return isLoopbackHost(url.hostname) ? null : "must use https (plain http is allowed only for loopback hosts, for development)";
  }
  return "must be an https URL";
}
