/** Imports `src/<path>.ts` of the project from the current build, else from its sources through tsx. */
export function importProjectModule(path: string): Promise<unknown>;
