/** A connection URL without its password, for logs and progress lines. */
export function displayUrl(url: string): string {
  const shown = new URL(url);
  shown.password = "";
  return `${shown.protocol}//${shown.username ? `${shown.username}@` : ""}${shown.host}${shown.pathname}`;
}
