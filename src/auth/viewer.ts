import type { User } from "../generated/prisma/client.js";

/** The signed-in user behind a request. */
export type ViewerUser = {
  id: string;
  tenantId: string;
  authProvider: string;
  authSubject: string;
  /** The user's row as authentication read it, when it did (it primes the request's user loader). */
  row?: User;
};

/**
 * Who is asking, and in which tenant. Every service call is authorized against this.
 * `tenantId` is null only for an anonymous caller naming a tenant that does not exist: such a
 * caller sees nothing.
 */
export type Viewer = {
  tenantId: string | null;
  tenantSlug: string;
  user: ViewerUser | null;
  /** An admin of the tenant (see tenantAdmin.ts): grants credits and sees every account's ledger. */
  tenantAdmin?: boolean;
  /** When the caller's credential expires; subscriptions opened with it end then. */
  expiresAt?: Date | undefined;
};

/** The viewer's user, or null for anonymous callers. */
export function viewerUserId(viewer: Viewer): string | null {
  return viewer.user?.id ?? null;
}
