/**
 * The permission predicates that run inside SQL statements decide exactly as the TypeScript
 * policy does (src/auth/policy.ts), for every standing a caller can have on a board: owner,
 * admin, editor, viewer, non-member, another tenant's user, anonymous — on public and private
 * boards alike.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { boardAccess, canEditGenerations, editsGenerationsSql } from "../src/auth/policy.js";
import type { Viewer } from "../src/auth/viewer.js";
import type { BoardRole } from "../src/generated/prisma/client.js";
import { Prisma } from "../src/generated/prisma/client.js";
import { queryRows } from "../src/queryRows.js";
import { startServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.close());

async function user(tenantId: string, name: string) {
  return server.prisma.user.create({ data: { tenantId, authProvider: "jwt", authSubject: `${name}-${randomUUID()}` } });
}

const viewerOf = (u: { id: string; tenantId: string } | null, tenantId: string | null): Viewer => ({
  tenantId,
  tenantSlug: "x",
  user: u ? { id: u.id, tenantId: u.tenantId, authProvider: "jwt", authSubject: "s" } : null,
});

describe("editsGenerationsSql", () => {
  it("agrees with canEditGenerations(boardAccess(…)) for every standing on public and private boards", async () => {
    const [home, away] = await Promise.all(
      ["home", "away"].map((name) => server.prisma.tenant.create({ data: { slug: `${name}-${randomUUID().slice(0, 8)}`, name } })),
    );
    const owner = await user(home!.id, "owner");
    const members: Record<string, { id: string; tenantId: string }> = {};
    for (const role of ["ADMIN", "EDITOR", "VIEWER"] as const) members[role] = await user(home!.id, role.toLowerCase());
    const stranger = await user(home!.id, "stranger");
    const foreigner = await user(away!.id, "foreigner");
    const viewers: Array<[string, Viewer]> = [
      ["owner", viewerOf(owner, home!.id)],
      ["admin", viewerOf(members.ADMIN!, home!.id)],
      ["editor", viewerOf(members.EDITOR!, home!.id)],
      ["viewer", viewerOf(members.VIEWER!, home!.id)],
      ["non-member", viewerOf(stranger, home!.id)],
      ["other tenant's user", viewerOf(foreigner, away!.id)],
      ["anonymous", viewerOf(null, home!.id)],
      ["anonymous of an unknown tenant", viewerOf(null, null)],
    ];
    const decisions: string[] = [];
    for (const isPublic of [true, false]) {
      const board = await server.prisma.board.create({ data: { tenantId: home!.id, ownerId: owner.id, title: "b", isPublic } });
      for (const [role, member] of Object.entries(members)) {
        await server.prisma.boardMember.create({ data: { boardId: board.id, userId: member.id, role: role as BoardRole } });
      }
      for (const [name, viewer] of viewers) {
        const userId = viewer.user?.id;
        const role = userId ? ((await server.prisma.boardMember.findFirst({ where: { boardId: board.id, userId } }))?.role ?? null) : null;
        const expected = canEditGenerations(boardAccess(viewer, board, role));
        const [row] = await queryRows<{ allowed: boolean }>(
          server.prisma,
          Prisma.sql`SELECT EXISTS (SELECT 1 FROM boards b WHERE b.id = ${board.id}::uuid AND ${editsGenerationsSql(viewer, Prisma.sql`b`)}) AS allowed`,
        );
        expect(row!.allowed, `${name} on a ${isPublic ? "public" : "private"} board`).toBe(expected);
        decisions.push(`${name}: ${String(expected)}`);
      }
    }
    // Both answers occur: the comparison is not between two constants.
    expect(decisions.filter((d) => d.endsWith("true"))).toHaveLength(6);
  });
});
