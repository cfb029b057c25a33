/**
 * `${VAR}` placeholders in configuration files, so secrets stay in the environment instead of
 * the file. Expansion happens on parsed string values (never on the file's text), so a value
 * cannot inject structure into the document.
 *
 *   ${VAR}          the variable; an unset (or empty) variable is an error, so a typo is noticed
 *   ${VAR:-default} the variable, or `default` when it is unset or empty
 *   $$              a literal `$`
 */

const PLACEHOLDER = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{[^}]*\}?/g;

export type Expansion<T> = { value: T; problems: string[] };

/** Expands the placeholders of one string; `where` names it in problems. */
export function expandString(text: string, vars: Record<string, string | undefined>, where: string): Expansion<string> {
  const problems: string[] = [];
  const value = text.replace(PLACEHOLDER, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === "$$") return "$";
    if (name === undefined) {
      problems.push(`${where}: malformed placeholder ${JSON.stringify(match)} (use \${NAME} or \${NAME:-default})`);
      return match;
    }
    const set = vars[name];
    if (set !== undefined && set !== "") return set;
    if (fallback !== undefined) return fallback;
    problems.push(`${where}: environment variable ${name} is not set (write \${${name}:-} to allow it empty)`);
    return "";
  });
  return { value, problems };
}

/**
 * Expands every string inside a parsed document (objects, arrays, scalars), leaving keys and
 * non-string values alone. Problems name the path of each value, e.g. `providers.s3.config.bucket`.
 */
export function expandVariables(value: unknown, vars: Record<string, string | undefined>, path = ""): Expansion<unknown> {
  if (typeof value === "string") return expandString(value, vars, path || "(root)");
  const problems: string[] = [];
  if (Array.isArray(value)) {
    const items = value.map((item, i) => {
      const expanded = expandVariables(item, vars, `${path}[${i}]`);
      problems.push(...expanded.problems);
      return expanded.value;
    });
    return { value: items, problems };
  }
  if (value && typeof value === "object") {
    const entries = Object.entries(value).map(([key, item]) => {
      const expanded = expandVariables(item, vars, path ? `${path}.${key}` : key);
      problems.push(...expanded.problems);
      return [key, expanded.value] as const;
    });
    return { value: Object.fromEntries(entries), problems };
  }
  return { value, problems };
}
