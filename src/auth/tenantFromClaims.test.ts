import { describe, expect, it } from "vitest";
import { extractTenantSlug, InvalidTenantClaimError, InvalidTenantHeaderError, normalizeTenantSlug, tenantFromEmail } from "./tenantFromClaims.js";

const domains = new Map([
  ["from-email.example", "from-email"],
  ["acme-corp.io", "acme-corp"],
]);
const single = { multiTenantMode: false, customClaim: undefined, defaultTenantSlug: "default", emailDomainTenants: domains };
const multi = { ...single, multiTenantMode: true };

describe("extractTenantSlug order", () => {
  // Every source at once; removing the winner each time must reveal the next one in Boards' order.
  const all: Record<string, unknown> = {
    tenant: "from-tenant",
    org: "From Org",
    organization: { slug: "from-organization" },
    org_slug: "from-org-slug",
    org_name: "From Org Name",
    acme_tenant: "From Custom",
    email: "someone@from-email.example",
    email_verified: true,
    namespace: "from-namespace",
    group: "from-group",
    team: "from-team",
    workspace: "from-workspace",
  };
  const options = { ...multi, customClaim: "acme_tenant" };
  const expected: Array<[string, string]> = [
    ["tenant", "from-tenant"],
    ["org", "from-org"],
    ["organization", "from-organization"],
    ["org_slug", "from-org-slug"],
    ["org_name", "from-org-name"],
    ["acme_tenant", "from-custom"],
    ["email", "from-email"],
    ["namespace", "from-namespace"],
    ["group", "from-group"],
    ["team", "from-team"],
    ["workspace", "from-workspace"],
  ];

  it("takes the first source present, in Boards' order, before the header and the default", () => {
    const claims = { ...all };
    for (const [claim, slug] of expected) {
      expect(extractTenantSlug(claims, "from-header", options), `with ${claim} first`).toBe(slug);
      delete claims[claim];
    }
    expect(extractTenantSlug(claims, "from-header", options)).toBe("from-header");
    expect(extractTenantSlug(claims, null, options)).toBe("default");
    expect(extractTenantSlug(claims, "   ", options)).toBe("default");
  });

  it("uses the header, then the default, for anonymous callers and claim-less tokens", () => {
    expect(extractTenantSlug(null, "acme", single)).toBe("acme");
    expect(extractTenantSlug(null, null, { ...single, defaultTenantSlug: "home" })).toBe("home");
    expect(extractTenantSlug({}, "acme", single)).toBe("acme");
    expect(extractTenantSlug({ sub: "u", mode: "development" }, null, single)).toBe("default");
  });

  it.each(["Bad_Slug", "-acme", "acme/../x", "a".repeat(256)])("refuses an X-Tenant value %j that is not a slug, even when a claim decides", (header) => {
    expect(() => extractTenantSlug(null, header, single)).toThrow(InvalidTenantHeaderError);
    expect(() => extractTenantSlug({ tenant: "acme" }, header, single)).toThrow(InvalidTenantHeaderError);
  });

  it("reads the email domain in multi-tenant mode only", () => {
    const claims = { email: "ann@acme-corp.io", email_verified: true };
    expect(extractTenantSlug(claims, "header", multi)).toBe("acme-corp");
    expect(extractTenantSlug(claims, "header", single)).toBe("header");
  });

  it("ignores the custom claim when none is configured", () => {
    expect(extractTenantSlug({ acme_tenant: "custom" }, "header", single)).toBe("header");
    expect(extractTenantSlug({ acme_tenant: "custom" }, "header", { ...single, customClaim: "acme_tenant" })).toBe("custom");
  });

  it("skips claims that are empty or normalise to nothing", () => {
    const claims = { org: "", organization: "!!!", org_slug: null, org_name: {}, team: "Team A" };
    expect(extractTenantSlug(claims, "header", single)).toBe("team-a");
    expect(extractTenantSlug({ org: ["a", "b"], org_name: false, workspace: 0 }, "header", single)).toBe("header");
  });
});

describe("the tenant claim", () => {
  it("is used as is when it is a valid slug", () => {
    expect(extractTenantSlug({ tenant: "acme-2", org: "other" }, "header", single)).toBe("acme-2");
  });

  it.each<[string, unknown]>([
    ["capitals", "Acme"],
    ["an underscore", "acme_corp"],
    ["a leading hyphen", "-acme"],
    ["a trailing hyphen", "acme-"],
    ["an empty string", ""],
    ["256 characters", "a".repeat(256)],
    ["a number", 7],
    ["an object", { slug: "acme" }],
  ])("refuses a tenant claim with %s (it is not normalised)", (_, tenant) => {
    expect(() => extractTenantSlug({ tenant, org: "fallback" }, "header", single)).toThrow(InvalidTenantClaimError);
  });
});

describe("normalizeTenantSlug", () => {
  it.each<[unknown, string | undefined]>([
    ["Acme Corp", "acme-corp"],
    ["  ACME__Corp!!  ", "acme-corp"],
    ["--acme--", "acme"],
    ["café crème", "caf-cr-me"],
    [42, "42"],
    [{ slug: "From-Slug", id: "id", name: "name" }, "from-slug"],
    [{ id: "org_123" }, "org-123"],
    [{ name: "Named Org" }, "named-org"],
    [{}, undefined],
    ["!!!", undefined],
    [true, undefined],
    [["acme"], undefined],
    [null, undefined],
  ])("%j → %j", (value, slug) => {
    expect(normalizeTenantSlug(value)).toBe(slug);
  });

  it("cuts long values to 50 characters without a trailing hyphen", () => {
    const slug = normalizeTenantSlug(`${"a".repeat(49)} bcd`)!;
    expect(slug).toBe("a".repeat(49));
    expect(normalizeTenantSlug("b".repeat(80))).toBe("b".repeat(50));
  });
});

describe("tenantFromEmail", () => {
  const verified = (email: unknown) => ({ email, email_verified: true });
  it.each<[unknown, string | undefined]>([
    ["ann@acme-corp.io", "acme-corp"],
    ["Ann@ACME-Corp.IO", "acme-corp"],
    ["ann@sub.acme-corp.io", undefined],
    ["ann@acme-corp.io.attacker.example", undefined],
    ["ann@acme-corp.attacker.example", undefined],
    ["ann@ma.attacker-controlled.example", undefined],
    ["someone@gmail.com", undefined],
    ["no-at-sign", undefined],
    ["@acme-corp.io", undefined],
    ["trailing@", undefined],
    [42, undefined],
  ])("%j (verified) → %j: only a whole configured domain counts", (email, slug) => {
    expect(tenantFromEmail(verified(email), domains)).toBe(slug);
  });

  it.each<[string, unknown]>([
    ["false", false],
    ["absent", undefined],
    ["the string 'false'", "false"],
    ["a number", 1],
  ])("ignores the address when email_verified is %s", (_, flag) => {
    expect(tenantFromEmail({ email: "ann@acme-corp.io", email_verified: flag }, domains)).toBeUndefined();
  });

  it("accepts email_verified sent as the string 'true'", () => {
    expect(tenantFromEmail({ email: "ann@acme-corp.io", email_verified: "true" }, domains)).toBe("acme-corp");
  });

  it("maps nothing without a configured map", () => {
    expect(tenantFromEmail(verified("ann@acme-corp.io"), new Map())).toBeUndefined();
    expect(extractTenantSlug(verified("ann@acme-corp.io"), "header", { ...multi, emailDomainTenants: new Map() })).toBe("header");
  });

  it("lands an unverified or look-alike address on the next source, not on a tenant", () => {
    expect(extractTenantSlug({ email: "attacker@ma.attacker-controlled.example", email_verified: false }, "header", multi)).toBe("header");
    expect(extractTenantSlug({ email: "ann@acme-corp.io", email_verified: false, team: "Team A" }, "header", multi)).toBe("team-a");
  });
});
