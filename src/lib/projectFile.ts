import { existsSync, readFileSync } from "node:fs";

// This module runs from src/lib/ (tsx) or dist/src/lib/ (compiled); the project root is the
// nearest of those ancestors that holds package.json.
const root = ["../../", "../../../"]
  .map((relative) => new URL(relative, import.meta.url))
  .find((url) => existsSync(new URL("package.json", url)));

/** Reads a file relative to the project root (schema.graphql, package.json). */
export function readProjectFile(name: string): string {
  if (!root) throw new Error("project root (package.json) not found");
  return readFileSync(new URL(name, root), "utf8");
}
