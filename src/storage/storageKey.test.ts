import { describe, expect, it } from "vitest";
import { InvalidStorageKeyError } from "./StorageBackend.js";
import { artifactKey, assertSafeKey } from "./storageKey.js";

const TENANT = "3f0c5c8e-7c1e-4a51-9a8e-2d7f4b0c1a11";
const BOARD = "8b6f2d1a-0e4c-4f7b-8a3d-5c9e1f2a3b44";
const GENERATION = "c2a7e9d4-1b3f-4e6a-9c8d-7f0e2b1a5d66";

const args = (overrides: Partial<Parameters<typeof artifactKey>[0]> = {}) => ({
  tenantId: TENANT,
  artifactType: "IMAGE",
  boardId: BOARD,
  generationId: GENERATION,
  createdAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)),
  ...overrides,
});

describe("artifactKey", () => {
  it("has Boards' shape: {tenant}/{type}/{board}/{id}_{YYYYmmddHHMMSS}_{8 hex}/original", () => {
    const key = artifactKey(args());
    const match = /^([^/]+)\/([^/]+)\/([^/]+)\/([^/_]+)_(\d{14})_([0-9a-f]{8})\/([^/]+)$/.exec(key);
    expect(match, key).not.toBeNull();
    const [, tenant, type, board, id, stamp, , variant] = match!;
    expect({ tenant, type, board, id, stamp, variant }).toEqual({
      tenant: TENANT,
      type: "image",
      board: BOARD,
      id: GENERATION,
      stamp: "20260102030405",
      variant: "original",
    });
  });

  it("is deterministic: the same generation always gets the same key", () => {
    expect(artifactKey(args())).toBe(artifactKey(args()));
    expect(artifactKey({ ...args(), createdAt: new Date(args().createdAt.getTime()) })).toBe(artifactKey(args()));
  });

  it("derives the 8 characters from the generation id", () => {
    const suffix = (key: string) => key.split("/")[3]!.split("_")[2];
    const other = "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f77";
    expect(suffix(artifactKey(args({ createdAt: new Date(Date.UTC(2020, 5, 6)) })))).toBe(suffix(artifactKey(args())));
    expect(suffix(artifactKey(args({ generationId: other })))).not.toBe(suffix(artifactKey(args())));
    expect(artifactKey(args({ generationId: other }))).not.toBe(artifactKey(args()));
  });

  it("writes the creation time in UTC, zero-padded", () => {
    const key = artifactKey(args({ createdAt: new Date("2027-12-31T23:59:09.999Z") }));
    expect(key.split("/")[3]).toMatch(/_20271231235909_/);
    const early = artifactKey(args({ createdAt: new Date("2026-03-04T05:06:07+02:00") }));
    expect(early.split("/")[3]).toMatch(/_20260304030607_/);
  });

  it("lowercases the artifact type and keeps a given variant", () => {
    for (const type of ["IMAGE", "VIDEO", "AUDIO", "TEXT", "LORA", "MODEL"]) {
      expect(artifactKey(args({ artifactType: type })).split("/")[1]).toBe(type.toLowerCase());
    }
    expect(artifactKey(args({ variant: "thumbnail" }))).toMatch(/\/thumbnail$/);
  });

  it("produces keys that are safe", () => {
    const key = artifactKey(args());
    expect(assertSafeKey(key)).toBe(key);
  });

  it("refuses parts that would make an unsafe key", () => {
    expect(() => artifactKey(args({ tenantId: "../etc" }))).toThrow(InvalidStorageKeyError);
    expect(() => artifactKey(args({ boardId: "a/../../b" }))).toThrow(InvalidStorageKeyError);
    expect(() => artifactKey(args({ variant: ".." }))).toThrow(InvalidStorageKeyError);
    expect(() => artifactKey(args({ variant: "" }))).toThrow(InvalidStorageKeyError);
  });
});

describe("assertSafeKey", () => {
  it.each([
    "a",
    "file.png",
    "a/b/c",
    "tenant/image/board/id_20260101000000_0123abcd/original",
    "A-Z_a-z.0-9",
    "a../b..",
    "a/b.metadata",
    "x".repeat(1024),
  ])("accepts %j and returns it", (key) => {
    expect(assertSafeKey(key)).toBe(key);
  });

  it.each([
    "",
    ".",
    "..",
    "../x",
    "a/../b",
    "a/..",
    "a/./b",
    "./a",
    "/abs",
    "/etc/passwd",
    "a//b",
    "a/",
    "a\\b",
    "..\\x",
    "C:\\Windows",
    "a\u0000b",
    "a b",
    "a%2e%2e",
    "a\nb",
    "ünï",
    "x".repeat(1025),
    // names the backends keep for themselves: hidden and temporary files, metadata sidecars
    "..a/b",
    "a/.hidden",
    "a/.0b5c3a8e.tmp",
    "a/original.meta",
    "a.meta/b",
  ])("rejects %j", (key) => {
    expect(() => assertSafeKey(key)).toThrow(InvalidStorageKeyError);
  });
});
