/**
 * A local identity provider for the token adapters: asymmetric key pairs generated per test
 * run, JWKS and OpenID discovery documents served over HTTP on 127.0.0.1 (random port), and
 * tokens signed with the keys. Every request is counted, so tests can prove caching.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";

export type SigningKey = { kid: string; alg: "RS256" | "ES256"; privateKey: CryptoKey; publicJwk: JWK };

/** A fresh key pair; `publishAlg: false` publishes the key without an `alg` member. */
export async function createSigningKey(alg: "RS256" | "ES256", kid: string, options: { publishAlg?: boolean } = {}): Promise<SigningKey> {
  // Extractable, so a test can re-import the private key for another algorithm.
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, use: "sig" };
  if (options.publishAlg !== false) publicJwk.alg = alg;
  return { kid, alg, privateKey, publicJwk };
}

export type JwksServer = {
  /** URL of the JWKS document. */
  url: string;
  /** How many times the JWKS document was fetched. */
  fetches(): number;
  close(): Promise<void>;
};

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sendJson(res: ServerResponse, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Serves `{ keys }` at /.well-known/jwks.json on 127.0.0.1. */
export async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  let fetches = 0;
  const http = await listen((req, res) => {
    if (req.url !== "/.well-known/jwks.json") {
      res.writeHead(404).end();
      return;
    }
    fetches += 1;
    sendJson(res, { keys });
  });
  return { url: `${http.origin}/.well-known/jwks.json`, fetches: () => fetches, close: http.close };
}

export type IdentityProvider = {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** Replaces the published keys (rotation). */
  setKeys(keys: JWK[]): void;
  /** Cache-Control sent with key sets and discovery documents (none by default). */
  setCacheControl(value: string | undefined): void;
  /** Extra or replaced members of the discovery document of the issuer at `prefix`. */
  setDiscovery(prefix: string, members: Record<string, unknown>): void;
  /** Answer every request with this HTTP status instead (undefined: serve normally). */
  setFailure(status: number | undefined): void;
  /** Never answer (to exercise client timeouts). */
  setHanging(hanging: boolean): void;
  /** Requests served for `path` (all paths when omitted). */
  requests(path?: string): number;
  close(): Promise<void>;
};

/**
 * An identity provider on 127.0.0.1. Any path ending in `/.well-known/openid-configuration`
 * serves discovery for the issuer `origin + prefix` (the path before it), with
 * `jwks_uri = origin + prefix + "/jwks"`; any path ending in `/jwks` or `/jwks.json` serves
 * the key set (so Auth0-, Clerk- and Supabase-style URLs all work).
 */
export async function startIdentityProvider(keys: JWK[]): Promise<IdentityProvider> {
  let published = keys;
  let cacheControl: string | undefined;
  let failure: number | undefined;
  let hanging = false;
  const discovery = new Map<string, Record<string, unknown>>();
  const counts = new Map<string, number>();
  const DISCOVERY = "/.well-known/openid-configuration";
  let origin = "";
  const http = await listen((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    if (hanging) return;
    if (failure !== undefined) {
      res.writeHead(failure).end();
      return;
    }
    const headers: Record<string, string> = cacheControl ? { "cache-control": cacheControl } : {};
    if (path.endsWith(DISCOVERY)) {
      const prefix = path.slice(0, -DISCOVERY.length);
      sendJson(res, { issuer: `${origin}${prefix}`, jwks_uri: `${origin}${prefix}/jwks`, ...discovery.get(prefix) }, headers);
    } else if (path.endsWith("/jwks") || path.endsWith("/jwks.json")) {
      sendJson(res, { keys: published }, headers);
    } else {
      res.writeHead(404).end();
    }
  });
  origin = http.origin;
  return {
    origin,
    setKeys: (next) => void (published = next),
    setCacheControl: (value) => void (cacheControl = value),
    setDiscovery: (prefix, members) => void discovery.set(prefix, members),
    setFailure: (status) => void (failure = status),
    setHanging: (value) => void (hanging = value),
    requests: (path) => (path === undefined ? [...counts.values()].reduce((a, b) => a + b, 0) : (counts.get(path) ?? 0)),
    close: http.close,
  };
}

export type AsymmetricClaims = {
  sub?: string;
  issuer?: string;
  audience?: string | string[];
  /** Key id in the header; null leaves it out. */
  kid?: string | null;
  /** `exp` (seconds or a jose time span); null leaves it out. Default one hour ahead. */
  expiresAt?: number | string | null;
  notBefore?: number | string;
  [claim: string]: unknown;
};

/** A token signed with `key` (issuer `boards`, audience `boards-api` unless given). */
export async function signWith(key: SigningKey, claims: AsymmetricClaims): Promise<string> {
  const { sub, issuer = "boards", audience = "boards-api", kid = key.kid, expiresAt = "1h", notBefore, ...rest } = claims;
  let jwt = new SignJWT(rest)
    .setProtectedHeader(kid === null ? { alg: key.alg } : { alg: key.alg, kid })
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt();
  if (expiresAt !== null) jwt = jwt.setExpirationTime(expiresAt);
  if (notBefore !== undefined) jwt = jwt.setNotBefore(notBefore);
  if (sub !== undefined) jwt = jwt.setSubject(sub);
  return jwt.sign(key.privateKey);
}
