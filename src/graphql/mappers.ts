/**
 * What resolvers return for each GraphQL object type (codegen `mappers`): Prisma rows for
 * entities, page objects for connections. Type resolvers derive the remaining fields.
 */
import type { Board, BoardMember, Generation, Tag, User, ArtifactType } from "../generated/prisma/client.js";
import type { GenerationEvent } from "../events.js";
import type { GeneratorInfo } from "../services/generators.js";
import type { LineageNode } from "../services/lineage.js";
import type { Page } from "../services/pagination/paginate.js";
import type { LedgerRow } from "../services/credits/ledgerRow.js";

export type UserMapper = User;
export type BoardMapper = Board;
export type BoardMemberMapper = BoardMember;
export type GenerationMapper = Generation;
export type TagMapper = Tag;
/** A ledger row with the holder and user of its account. */
export type CreditTransactionMapper = LedgerRow;

/** One lineage entry of a generation, as stored in `generations.input_artifacts`. */
export type ArtifactLineageMapper = { generationId: string; role: string; artifactType: ArtifactType };

export type BoardConnectionMapper = Page<Board>;
export type GenerationConnectionMapper = Page<Generation>;
export type TagConnectionMapper = Page<Tag>;
export type BoardEdgeMapper = { cursor: string; node: Board };
export type GenerationEdgeMapper = { cursor: string; node: Generation };
export type TagEdgeMapper = { cursor: string; node: Tag };
export type CreditTransactionConnectionMapper = Page<LedgerRow>;
export type CreditTransactionEdgeMapper = { cursor: string; node: LedgerRow };
export type LineageNodeMapper = LineageNode;
export type GeneratorInfoMapper = GeneratorInfo;
/** Subscribers receive bus events; the resolver turns the snapshot back into a row. */
export type GenerationEventMapper = GenerationEvent;
