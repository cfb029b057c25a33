/**
 * HMAC-signed, expiring links to stored objects (`?exp=<unix seconds>&sig=<base64url>`), for
 * files of private boards served by this API. Every API process must share the secret
 * (BOARDS_STORAGE_SIGNING_SECRET) for links made by one to open on another.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export type Verdict = "ok" | "expired" | "invalid";

export class UrlSigner {
  private readonly secret: Buffer;

  /** With no secret, a random one: links then only open on the process that made them. */
  constructor(secret?: string) {
    this.secret = secret ? Buffer.from(secret, "utf8") : randomBytes(32);
  }

  sign(key: string, expiresAtSeconds: number): string {
    return createHmac("sha256", this.secret).update(`${key}\n${expiresAtSeconds}`).digest("base64url");
  }

  /** Query string (without `?`) granting access to `key` until `expiresAt`. */
  query(key: string, expiresAt: Date): string {
    const exp = Math.floor(expiresAt.getTime() / 1000);
    return `exp=${exp}&sig=${this.sign(key, exp)}`;
  }

  verify(key: string, exp: string | null, sig: string | null, now = Date.now()): Verdict {
    if (!exp || !sig || !/^\d{1,12}$/.test(exp)) return "invalid";
    const expected = Buffer.from(this.sign(key, Number(exp)));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return "invalid";
    return Number(exp) * 1000 < now ? "expired" : "ok";
  }
}
