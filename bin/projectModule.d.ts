/** Imports `src/<path>.ts` of the project from the current build, else from its sources through tsx. */
export function importProjectModule(path: string): Promise<unknown>;
/** Whether modules are loaded from TypeScript sources (then task files end in .ts). */
export function runsFromSources(): boolean;
