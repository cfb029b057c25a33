import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The project directory (with a trailing slash). This module runs from src/cli/ (tsx) or
 * dist/src/cli/ (compiled): the root is the nearest of those ancestors that holds package.json.
 */
export const projectRoot: string = (() => {
  const found = ["../../", "../../../"].map((relative) => new URL(relative, import.meta.url)).find((url) => existsSync(new URL("package.json", url)));
  if (!found) throw new Error("project root (package.json) not found");
  return fileURLToPath(found);
})();
