import { addBoardMember, removeBoardMember, updateBoardMemberRole } from "../../services/boardMembers.js";
import { createBoard, deleteBoard, updateBoard } from "../../services/boards.js";
import { grantCredits } from "../../services/credits/creditService.js";
import { cancelGeneration, deleteGeneration } from "../../services/generationControl.js";
import { createGeneration, retryGeneration } from "../../services/generationSubmit.js";
import { uploadArtifact } from "../../services/uploadArtifact.js";
import { addTagToGeneration, createTag, deleteTag, removeTagFromGeneration, updateTag } from "../../services/tags.js";
import type { MutationResolvers } from "../types.generated.js";

export const Mutation: MutationResolvers = {
  createBoard: (_, { input }, ctx) => createBoard(ctx, input),
  updateBoard: (_, { input }, ctx) => updateBoard(ctx, input),
  deleteBoard: (_, { id }, ctx) => deleteBoard(ctx, id),
  addBoardMember: (_, args, ctx) => addBoardMember(ctx, args),
  updateBoardMemberRole: (_, args, ctx) => updateBoardMemberRole(ctx, args),
  removeBoardMember: (_, { id }, ctx) => removeBoardMember(ctx, id),
  createGeneration: (_, { input }, ctx) => createGeneration(ctx, input),
  cancelGeneration: (_, { id }, ctx) => cancelGeneration(ctx, id),
  deleteGeneration: (_, { id }, ctx) => deleteGeneration(ctx, id),
  grantCredits: (_, { input }, ctx) => grantCredits(ctx, input),
  retryGeneration: (_, { id }, ctx) => retryGeneration(ctx, id),
  regenerate: (_, { id }, ctx) => retryGeneration(ctx, id),
  uploadArtifact: (_, { input }, ctx) => uploadArtifact(ctx, input, ctx.env.uploads),
  createTag: (_, { input }, ctx) => createTag(ctx, input),
  updateTag: (_, { input }, ctx) => updateTag(ctx, input),
  deleteTag: (_, { id }, ctx) => deleteTag(ctx, id),
  addTagToGeneration: (_, { generationId, tagId }, ctx) => addTagToGeneration(ctx, generationId, tagId),
  removeTagFromGeneration: (_, { generationId, tagId }, ctx) => removeTagFromGeneration(ctx, generationId, tagId),
};
