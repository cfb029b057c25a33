/** Tenant slugs as Boards accepts them: lowercase letters, digits and inner hyphens, ≤ 255 chars. */
const TENANT_SLUG = /^[a-z0-9](?:[a-z0-9-]{0,253}[a-z0-9])?$/;

export function isValidTenantSlug(slug: string): boolean {
  return TENANT_SLUG.test(slug);
}
