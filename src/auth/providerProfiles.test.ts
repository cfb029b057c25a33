import { describe, expect, it } from "vitest";
import { auth0Profile } from "./auth0Adapter.js";
import { clerkJwksHeaders, clerkProfile } from "./clerkAdapter.js";
import { oidcProfile } from "./oidcAdapter.js";
import { supabaseProfile } from "./supabaseAdapter.js";

describe("oidc claim mapping (Boards §6.2)", () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ["name first", { email: "a@x.io", name: "Ann A", given_name: "G", preferred_username: "ann", picture: "https://p/a.png" }, { email: "a@x.io", displayName: "Ann A", avatarUrl: "https://p/a.png" }],
    ["then given and family name", { given_name: "Ann", family_name: "Archer", preferred_username: "ann" }, { displayName: "Ann Archer" }],
    ["a given name alone", { given_name: "Ann" }, { displayName: "Ann" }],
    ["then preferred_username", { preferred_username: "ann", name: "  " }, { displayName: "ann" }],
    ["nothing", { nickname: "ignored" }, { email: undefined, displayName: undefined, avatarUrl: undefined }],
  ])("%s", (_, claims, expected) => {
    expect(oidcProfile(claims)).toMatchObject(expected);
  });
});

describe("auth0 claim mapping", () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ["name first", { name: "Ann A", nickname: "ann", picture: "https://p/a.png", email: "a@x.io" }, { displayName: "Ann A", avatarUrl: "https://p/a.png", email: "a@x.io" }],
    ["then given and family name", { given_name: "Ann", family_name: "Archer", nickname: "ann" }, { displayName: "Ann Archer" }],
    ["then nickname", { nickname: "ann", preferred_username: "ignored" }, { displayName: "ann" }],
  ])("%s", (_, claims, expected) => {
    expect(auth0Profile(claims)).toMatchObject(expected);
  });
});

describe("clerk claim mapping", () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ["email, then given and family name before name", { email: "a@x.io", given_name: "Ann", family_name: "Archer", name: "Other", picture: "https://p/a.png" }, { email: "a@x.io", displayName: "Ann Archer", avatarUrl: "https://p/a.png" }],
    ["the first of email_addresses", { email_addresses: [{ email_address: "first@x.io" }, { email_address: "second@x.io" }], name: "Ann" }, { email: "first@x.io", displayName: "Ann" }],
    ["malformed email_addresses", { email_addresses: ["first@x.io"] }, { email: undefined, displayName: undefined }],
  ])("%s", (_, claims, expected) => {
    expect(clerkProfile(claims)).toMatchObject(expected);
  });

  it("sends the secret key only to Clerk's Backend API over https", () => {
    expect(clerkJwksHeaders("https://api.clerk.dev/v1/jwks", "sk_test_1")).toEqual({ authorization: "Bearer sk_test_1" });
    expect(clerkJwksHeaders("https://api.clerk.com/v1/jwks", "sk_test_1")).toEqual({ authorization: "Bearer sk_test_1" });
    expect(clerkJwksHeaders("https://clerk.my-app.example/.well-known/jwks.json", "sk_test_1")).toEqual({});
    expect(clerkJwksHeaders("https://api.clerk.dev.evil.example/v1/jwks", "sk_test_1")).toEqual({});
    expect(clerkJwksHeaders("https://api.clerk.dev/v1/jwks", undefined)).toEqual({});
  });
});

describe("supabase claim mapping", () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ["display_name first", { email: "a@x.io", user_metadata: { display_name: "Ann", full_name: "Ann Archer", name: "A", avatar_url: "https://p/a.png" } }, { email: "a@x.io", displayName: "Ann", avatarUrl: "https://p/a.png" }],
    ["then full_name", { user_metadata: { full_name: "Ann Archer", name: "A" } }, { displayName: "Ann Archer" }],
    ["then name", { user_metadata: { name: "A" } }, { displayName: "A" }],
    ["no user_metadata", { email: "a@x.io", name: "top-level names are not Supabase's" }, { email: "a@x.io", displayName: undefined, avatarUrl: undefined }],
  ])("%s", (_, claims, expected) => {
    expect(supabaseProfile(claims)).toMatchObject(expected);
  });
});
