/** A database URL without its password, for messages and logs. */
export function describeDatabase(url: string): string {
  try {
    const shown = new URL(url);
    shown.password = "";
    return `${shown.protocol}//${shown.username ? `${shown.username}@` : ""}${shown.host}${shown.pathname}`;
  } catch {
    return "(an unparsable database URL)";
  }
}
