import { access } from "node:fs/promises";

/**
 * Whether a file exists. Only ENOENT means absent: any other failure (permissions, a wrong
 * directory's parent) throws, so it can never pass for "was deleted".
 */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
