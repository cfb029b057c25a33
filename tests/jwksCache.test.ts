/**
 * The JWKS cache and OpenID discovery against a local identity provider, with a hand-driven
 * clock: caching and its lifetimes (Cache-Control, bounds, default), the refetch on an unknown
 * kid and its cooldown, stale keys while the provider is down, failure backoff, timeouts, and
 * which published keys may verify which tokens.
 */
import { exportJWK, generateKeyPair, importJWK, SignJWT, UnsecuredJWT, type JWK } from "jose";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { maxAgeMs, type CacheTimings } from "../src/auth/cachedDocument.js";
import { createJwksCache, usableKeys } from "../src/auth/jwksCache.js";
import { createOidcDiscovery, discoveryUrl } from "../src/auth/oidcDiscovery.js";
import { AuthUnavailableError, InvalidTokenError } from "../src/auth/principal.js";
import { ASYMMETRIC_ALGORITHMS, verifyToken } from "../src/auth/verifyToken.js";
import { createSigningKey, signWith, startIdentityProvider, type IdentityProvider, type SigningKey } from "./helpers/jwks.js";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** A clock the test moves by hand. */
function manualClock() {
  let now = 1_700_000_000_000;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

const verifyOptions = { algorithms: ASYMMETRIC_ALGORITHMS, issuer: "boards", audience: "boards-api" };

let rsa: SigningKey;
let ec: SigningKey;
let rotated: SigningKey;
beforeAll(async () => {
  [rsa, ec, rotated] = await Promise.all([createSigningKey("RS256", "rsa-1"), createSigningKey("ES256", "ec-1"), createSigningKey("RS256", "rsa-2")]);
});

const providers: IdentityProvider[] = [];
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close()));
});

async function provider(keys: JWK[]) {
  const idp = await startIdentityProvider(keys);
  providers.push(idp);
  return idp;
}

/** A cache on `idp`'s key set with the manual clock, and a verifier using it. */
function cacheOn(idp: IdentityProvider, clock = manualClock(), timings: Partial<CacheTimings> = {}) {
  const url = `${idp.origin}/.well-known/jwks.json`;
  const cache = createJwksCache({ url, timings: { now: clock.now, ...timings } });
  const verify = async (token: string) => (await verifyToken(token, cache.getKey, verifyOptions)).sub;
  return { url, cache, clock, verify, fetches: () => idp.requests("/.well-known/jwks.json") };
}

describe("caching", () => {
  it("fetches the key set once and verifies later tokens from the cache", async () => {
    const { verify, fetches } = cacheOn(await provider([rsa.publicJwk, ec.publicJwk]));
    for (let i = 0; i < 5; i++) {
      expect(await verify(await signWith(i % 2 ? ec : rsa, { sub: `user-${i}` }))).toBe(`user-${i}`);
    }
    expect(fetches()).toBe(1);
  });

  it("shares one request between lookups that arrive together", async () => {
    const { verify, fetches } = cacheOn(await provider([rsa.publicJwk]));
    const tokens = await Promise.all(Array.from({ length: 6 }, (_, i) => signWith(rsa, { sub: `c-${i}` })));
    expect(await Promise.all(tokens.map(verify))).toEqual(tokens.map((_, i) => `c-${i}`));
    expect(fetches()).toBe(1);
  });

  it("keeps a key set without Cache-Control for 10 minutes", async () => {
    const { verify, fetches, clock } = cacheOn(await provider([rsa.publicJwk]));
    const token = await signWith(rsa, { sub: "u" });
    await verify(token);
    clock.advance(10 * MINUTE - SECOND);
    await verify(token);
    expect(fetches()).toBe(1);
    clock.advance(2 * SECOND);
    await verify(token);
    expect(fetches()).toBe(2);
  });

  it("honours Cache-Control max-age", async () => {
    const idp = await provider([rsa.publicJwk]);
    idp.setCacheControl("public, max-age=120, must-revalidate");
    const { verify, fetches, clock } = cacheOn(idp);
    const token = await signWith(rsa, { sub: "u" });
    await verify(token);
    clock.advance(119 * SECOND);
    await verify(token);
    expect(fetches()).toBe(1);
    clock.advance(2 * SECOND);
    await verify(token);
    expect(fetches()).toBe(2);
  });

  it.each([
    ["max-age=5 (raised to one minute)", "max-age=5", MINUTE],
    ["no-store (one minute)", "no-store", MINUTE],
    ["no-cache (one minute)", "no-cache, max-age=600", MINUTE],
    ["max-age of a week (lowered to 24 hours)", "max-age=604800", 24 * HOUR],
  ])("bounds the lifetime: %s", async (_, header, lifetime) => {
    const idp = await provider([rsa.publicJwk]);
    idp.setCacheControl(header);
    const { verify, fetches, clock } = cacheOn(idp);
    const token = await signWith(rsa, { sub: "u", expiresAt: "30d" });
    await verify(token);
    clock.advance(lifetime - SECOND);
    await verify(token);
    expect(fetches()).toBe(1);
    clock.advance(2 * SECOND);
    await verify(token);
    expect(fetches()).toBe(2);
  });

  it("parses Cache-Control lifetimes", () => {
    expect(maxAgeMs(null)).toBeUndefined();
    expect(maxAgeMs("public")).toBeUndefined();
    expect(maxAgeMs("max-age=abc")).toBeUndefined();
    expect(maxAgeMs("Max-Age=30")).toBe(30 * SECOND);
    expect(maxAgeMs('max-age="45"')).toBe(45 * SECOND);
    expect(maxAgeMs("private, max-age=0")).toBe(0);
    expect(maxAgeMs("max-age=300, no-store")).toBe(0);
  });
});

describe("unknown key ids", () => {
  it("refetches once when a token names a kid the cache lacks, so rotation needs no restart", async () => {
    const idp = await provider([rsa.publicJwk]);
    const { verify, fetches } = cacheOn(idp);
    expect(await verify(await signWith(rsa, { sub: "before" }))).toBe("before");
    idp.setKeys([rotated.publicJwk]);
    expect(await verify(await signWith(rotated, { sub: "after" }))).toBe("after");
    expect(fetches()).toBe(2);
    // The retired key is gone from the refreshed set.
    await expect(verify(await signWith(rsa, { sub: "retired" }))).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it("refetches for unknown kids at most once per 30 seconds", async () => {
    const idp = await provider([rsa.publicJwk]);
    const { verify, fetches, clock } = cacheOn(idp);
    await verify(await signWith(rsa, { sub: "u" }));
    for (let i = 0; i < 5; i++) {
      await expect(verify(await signWith(rsa, { sub: "u", kid: `made-up-${i}` }))).rejects.toThrow(/no published key/);
    }
    expect(fetches()).toBe(2);
    clock.advance(29 * SECOND);
    await expect(verify(await signWith(rsa, { sub: "u", kid: "made-up-again" }))).rejects.toBeInstanceOf(InvalidTokenError);
    expect(fetches()).toBe(2);
    clock.advance(2 * SECOND);
    await expect(verify(await signWith(rsa, { sub: "u", kid: "made-up-later" }))).rejects.toBeInstanceOf(InvalidTokenError);
    expect(fetches()).toBe(3);
    // Known keys keep working throughout, from the cache.
    expect(await verify(await signWith(rsa, { sub: "still" }))).toBe("still");
    expect(fetches()).toBe(3);
  });
});

describe("an unreachable provider", () => {
  it("keeps serving the cached keys when a refresh fails", async () => {
    const idp = await provider([rsa.publicJwk]);
    const { verify, fetches, clock } = cacheOn(idp);
    const token = await signWith(rsa, { sub: "u", expiresAt: "2d" });
    await verify(token);
    idp.setFailure(503);
    clock.advance(11 * MINUTE);
    expect(await verify(token)).toBe("u");
    expect(fetches()).toBe(2);
    // Not retried on every request while failing.
    expect(await verify(token)).toBe("u");
    expect(fetches()).toBe(2);
  });

  it("is AuthUnavailableError without cached keys, retried only after a backoff", async () => {
    const idp = await provider([rsa.publicJwk]);
    idp.setFailure(500);
    const { verify, fetches, clock } = cacheOn(idp);
    const token = await signWith(rsa, { sub: "u" });
    await expect(verify(token)).rejects.toBeInstanceOf(AuthUnavailableError);
    await expect(verify(token)).rejects.toBeInstanceOf(AuthUnavailableError);
    expect(fetches()).toBe(1);
    idp.setFailure(undefined);
    clock.advance(6 * SECOND);
    expect(await verify(token)).toBe("u");
    expect(fetches()).toBe(2);
  });

  it("gives up on a provider that does not answer", async () => {
    const idp = await provider([rsa.publicJwk]);
    idp.setHanging(true);
    const { verify } = cacheOn(idp, manualClock(), { timeoutMs: 200 });
    await expect(verify(await signWith(rsa, { sub: "u" }))).rejects.toBeInstanceOf(AuthUnavailableError);
  });

  it("refuses a key set that is too large or not a key set", async () => {
    const big = await provider([rsa.publicJwk]);
    await expect(cacheOn(big, manualClock(), { maxBytes: 100 }).verify(await signWith(rsa, { sub: "u" }))).rejects.toThrow(/larger than 100 bytes/);
    const wrong = await provider([rsa.publicJwk]);
    // The discovery path serves a JSON object without `keys`.
    const cache = createJwksCache({ url: discoveryUrl(wrong.origin) });
    await expect(verifyToken(await signWith(rsa, { sub: "u" }), cache.getKey, verifyOptions)).rejects.toThrow(/not a JSON Web Key Set/);
  });
});

describe("which keys verify which tokens", () => {
  it("refuses alg none before looking at any key", async () => {
    const idp = await provider([rsa.publicJwk]);
    const { cache, verify, fetches } = cacheOn(idp);
    const unsigned = new UnsecuredJWT({}).setSubject("u").setIssuer("boards").setAudience("boards-api").setExpirationTime("1h").encode();
    await expect(verify(unsigned)).rejects.toThrow(/alg none/);
    await expect(cache.getKey({ alg: "none" }, { payload: "", signature: "" })).rejects.toThrow(/unsigned/);
    expect(fetches()).toBe(0);
  });

  it("uses a key only for the algorithm it is published for", async () => {
    const rsaPrivate = await exportJWK(rsa.privateKey);
    const asPss = await importJWK({ ...rsaPrivate, alg: "PS256" }, "PS256");
    const pssToken = await new SignJWT({})
      .setProtectedHeader({ alg: "PS256", kid: rsa.kid })
      .setSubject("pss")
      .setIssuer("boards")
      .setAudience("boards-api")
      .setExpirationTime("1h")
      .sign(asPss);
    // Published with alg RS256: a PS256 signature by the same key is refused.
    await expect(cacheOn(await provider([rsa.publicJwk])).verify(pssToken)).rejects.toBeInstanceOf(InvalidTokenError);
    // Published without alg, the key type decides, and RSA fits PS256.
    const { alg: _, ...withoutAlg } = rsa.publicJwk;
    expect(await cacheOn(await provider([withoutAlg])).verify(pssToken)).toBe("pss");
    // An EC key never verifies an RSA algorithm, whatever the kid says.
    const lying = await signWith(rsa, { sub: "u", kid: ec.kid });
    await expect(cacheOn(await provider([ec.publicJwk])).verify(lying)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it("keeps only public asymmetric keys of a published set", async () => {
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    const privateJwk = { ...(await exportJWK(privateKey)), kid: "leaked" };
    const secret: JWK = { kty: "oct", k: Buffer.from("a shared secret of some length").toString("base64url"), kid: "hmac" };
    const kept = usableKeys({ keys: [rsa.publicJwk, privateJwk, secret, ec.publicJwk, null, "x"] });
    expect(kept.keys.map((k) => k.kid)).toEqual([rsa.kid, ec.kid]);
    expect(() => usableKeys({})).toThrow(/not a JSON Web Key Set/);
  });

  it("tries every key of the token's type when the token has no kid", async () => {
    const other = await createSigningKey("RS256", "rsa-other");
    const { verify, fetches } = cacheOn(await provider([rsa.publicJwk, other.publicJwk]));
    expect(await verify(await signWith(other, { sub: "no-kid", kid: null }))).toBe("no-kid");
    const stranger = await createSigningKey("RS256", "rsa-stranger");
    await expect(verify(await signWith(stranger, { sub: "no-kid", kid: null }))).rejects.toThrow(/signature verification failed/);
    expect(fetches()).toBe(1);
  });
});

describe("OpenID discovery", () => {
  it("finds the JWKS through the issuer's discovery document, fetched once", async () => {
    const idp = await provider([rsa.publicJwk]);
    const issuer = `${idp.origin}/realms/test`;
    const discovery = createOidcDiscovery(issuer);
    const cache = createJwksCache({ url: () => discovery.jwksUri() });
    for (let i = 0; i < 3; i++) {
      const payload = await verifyToken(await signWith(rsa, { sub: `d-${i}`, issuer }), cache.getKey, { ...verifyOptions, issuer });
      expect(payload.sub).toBe(`d-${i}`);
    }
    expect(idp.requests("/realms/test/.well-known/openid-configuration")).toBe(1);
    expect(idp.requests("/realms/test/jwks")).toBe(1);
  });

  it("follows a changed jwks_uri once the discovery document is refreshed", async () => {
    const idp = await provider([rsa.publicJwk]);
    const clock = manualClock();
    const discovery = createOidcDiscovery(idp.origin, { now: clock.now });
    const cache = createJwksCache({ url: () => discovery.jwksUri(), timings: { now: clock.now } });
    const token = await signWith(rsa, { sub: "u", issuer: idp.origin, expiresAt: "1d" });
    await verifyToken(token, cache.getKey, { ...verifyOptions, issuer: idp.origin });
    idp.setDiscovery("", { jwks_uri: `${idp.origin}/moved/jwks` });
    clock.advance(11 * MINUTE);
    await verifyToken(token, cache.getKey, { ...verifyOptions, issuer: idp.origin });
    expect(idp.requests("/jwks")).toBe(1);
    expect(idp.requests("/moved/jwks")).toBe(1);
  });

  it.each<[string, Record<string, unknown>]>([
    ["names another issuer", { issuer: "https://elsewhere.example" }],
    ["has no jwks_uri", { jwks_uri: undefined }],
    ["points at a plain-http JWKS on another host", { jwks_uri: "http://keys.example.com/jwks" }],
  ])("is unusable when it %s", async (_, members) => {
    const idp = await provider([rsa.publicJwk]);
    idp.setDiscovery("/tenant", members);
    const issuer = `${idp.origin}/tenant`;
    const discovery = createOidcDiscovery(issuer);
    await expect(discovery.jwksUri()).rejects.toBeInstanceOf(AuthUnavailableError);
    expect(idp.requests("/tenant/jwks")).toBe(0);
  });
});
