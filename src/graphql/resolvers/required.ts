/**
 * For non-null relations whose target must exist (foreign keys guarantee it): a miss is a bug
 * or a concurrent delete, and surfaces as a masked internal error rather than a wrong null.
 */
export function required<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`${what} is missing`);
  return value;
}
