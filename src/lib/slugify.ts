/**
 * Tag slugs as Boards derives them: lowercase, whitespace and underscores to `-`, anything but
 * `[a-z0-9-]` dropped, runs of `-` collapsed, trimmed. "Hello! @World#" → "hello-world".
 */
export function slugify(name: string): string {
  return name
    .toLowerCase()
    .replace(/[\s_]+/g, "-")
    .replace(/[^a-z0-9-]/g, "")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
}

/** A slug as stored: lowercase alphanumeric words joined by single hyphens. */
export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
