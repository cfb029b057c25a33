/**
 * A local identity provider for the jwt adapter's JWKS mode: asymmetric key pairs generated per
 * test run, a JWKS document served over HTTP on a random port, and tokens signed with them.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";

export type SigningKey = { kid: string; alg: "RS256" | "ES256"; privateKey: CryptoKey; publicJwk: JWK };

export async function createSigningKey(alg: "RS256" | "ES256", kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { kid, alg, privateKey, publicJwk };
}

export type JwksServer = {
  /** URL of the JWKS document. */
  url: string;
  /** How many times the JWKS document was fetched. */
  fetches(): number;
  close(): Promise<void>;
};

/** Serves `{ keys }` at /.well-known/jwks.json on 127.0.0.1. */
export async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  let fetches = 0;
  const server = createServer((req, res) => {
    if (req.url !== "/.well-known/jwks.json") {
      res.writeHead(404).end();
      return;
    }
    fetches += 1;
    const body = JSON.stringify({ keys });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    fetches: () => fetches,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type AsymmetricClaims = { sub?: string; issuer?: string; audience?: string; kid?: string; [claim: string]: unknown };

/** A token signed with `key` (issuer `boards`, audience `boards-api` unless given). */
export async function signWith(key: SigningKey, claims: AsymmetricClaims): Promise<string> {
  const { sub, issuer = "boards", audience = "boards-api", kid = key.kid, ...rest } = claims;
  let jwt = new SignJWT(rest).setProtectedHeader({ alg: key.alg, kid }).setIssuer(issuer).setAudience(audience).setIssuedAt().setExpirationTime("1h");
  if (sub !== undefined) jwt = jwt.setSubject(sub);
  return jwt.sign(key.privateKey);
}
