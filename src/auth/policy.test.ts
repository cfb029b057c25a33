import { describe, expect, it } from "vitest";
import { boardAccess, canChangeGeneration, canDeleteBoard, canEditGenerations, canManageBoard, canReadBoard } from "./policy.js";
import type { Viewer } from "./viewer.js";

const tenantId = "00000000-0000-0000-0000-00000000000a";
const viewerOf = (userId: string | null, tenant: string | null = tenantId): Viewer => ({
  tenantId: tenant,
  tenantSlug: "t",
  user: userId ? { id: userId, tenantId: tenant ?? "", authProvider: "jwt", authSubject: userId } : null,
});
const board = (isPublic: boolean) => ({ tenantId, ownerId: "owner", isPublic });

describe("boardAccess", () => {
  it("ranks owner, member roles, public and none", () => {
    expect(boardAccess(viewerOf("owner"), board(false), null)).toBe("owner");
    expect(boardAccess(viewerOf("u"), board(false), "ADMIN")).toBe("admin");
    expect(boardAccess(viewerOf("u"), board(false), "EDITOR")).toBe("editor");
    expect(boardAccess(viewerOf("u"), board(false), "VIEWER")).toBe("viewer");
    expect(boardAccess(viewerOf("u"), board(true), null)).toBe("public");
    expect(boardAccess(viewerOf(null), board(true), null)).toBe("public");
    expect(boardAccess(viewerOf("u"), board(false), null)).toBe("none");
    expect(boardAccess(viewerOf(null), board(false), null)).toBe("none");
  });

  it("never grants access across tenants, public or not", () => {
    const other = "00000000-0000-0000-0000-00000000000b";
    expect(boardAccess(viewerOf("owner", other), board(true), "ADMIN")).toBe("none");
    expect(boardAccess(viewerOf(null, null), board(true), null)).toBe("none");
  });
});

describe("permission predicates", () => {
  const table = [
    // access, read, manage, delete, edit generations
    ["owner", true, true, true, true],
    ["admin", true, true, false, true],
    ["editor", true, false, false, true],
    ["viewer", true, false, false, false],
    ["public", true, false, false, false],
    ["none", false, false, false, false],
  ] as const;
  it.each(table)("%s", (access, read, manage, del, edit) => {
    expect([canReadBoard(access), canManageBoard(access), canDeleteBoard(access), canEditGenerations(access)]).toEqual([
      read,
      manage,
      del,
      edit,
    ]);
  });

  it("lets editors and admins change only their own generations, owners any", () => {
    const me = viewerOf("me");
    expect(canChangeGeneration("owner", me, { userId: "someone" })).toBe(true);
    expect(canChangeGeneration("editor", me, { userId: "me" })).toBe(true);
    expect(canChangeGeneration("admin", me, { userId: "someone" })).toBe(false);
    expect(canChangeGeneration("viewer", me, { userId: "me" })).toBe(false);
  });
});
