/** Users: the viewer and other users of the viewer's tenant. */
import type { ServiceContext } from "../context.js";
import type { User } from "../generated/prisma/client.js";

/** The signed-in user, or null for anonymous callers. */
export async function getMe(ctx: ServiceContext): Promise<User | null> {
  const id = ctx.viewer.user?.id;
  return id ? ctx.loaders.userById.load(id) : null;
}

/** A user of the viewer's tenant; null for anonymous callers and users of other tenants. */
export async function getUser(ctx: ServiceContext, id: string): Promise<User | null> {
  if (!ctx.viewer.user) return null;
  const user = await ctx.loaders.userById.load(id);
  return user && user.tenantId === ctx.viewer.user.tenantId ? user : null;
}

/**
 * A user already known to be referenced by something the viewer may read (a board's owner,
 * a member, a generation's creator); same-tenant by construction.
 */
export function getRelatedUser(ctx: ServiceContext, id: string): Promise<User | null> {
  return ctx.loaders.userById.load(id);
}
