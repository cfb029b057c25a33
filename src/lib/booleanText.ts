/** Words that mean "on" in configuration (environment variables, config files); others mean off. */
const TRUE_WORDS = new Set(["true", "1", "yes", "on"]);

/** Whether a configuration value reads as true (case-insensitive). */
export function isTrueText(value: string): boolean {
  return TRUE_WORDS.has(value.trim().toLowerCase());
}
