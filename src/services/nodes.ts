/**
 * Relay `node(id)`: an entity's id is its row UUID, so a lookup tries each entity table
 * (through the request's loaders, so `nodes(ids)` batches per table) and applies that
 * entity's visibility rule.
 */
import type { ServiceContext } from "../context.js";
import type { Board, BoardMember, Generation, Tag, User } from "../generated/prisma/client.js";
import { getBoardMember } from "./boardMembers.js";
import { getCreditTransaction } from "./credits/creditTransactions.js";
import type { LedgerRow } from "./credits/ledgerRow.js";
import { getBoard } from "./boards.js";
import { getGeneration } from "./generations.js";
import { getTag } from "./tags.js";
import { getUser } from "./users.js";
import { isUuid } from "../lib/uuid.js";

export type NodeRow = Board | BoardMember | Generation | Tag | User | LedgerRow;

/** The entity with this id if the viewer may read it, else null (also for malformed ids). */
export async function getNode(ctx: ServiceContext, id: string): Promise<NodeRow | null> {
  if (!isUuid(id)) return null;
  // Rows hold lowercase UUIDs; the loaders match keys exactly.
  id = id.toLowerCase();
  const found = await Promise.all([
    getBoard(ctx, id),
    getGeneration(ctx, id),
    getTag(ctx, id),
    getUser(ctx, id),
    getBoardMember(ctx, id),
    getCreditTransaction(ctx, id),
  ]);
  return found.find((row) => row !== null) ?? null;
}
