/**
 * graphile-worker's configuration file, read by its CLI: `npx graphile-worker` runs a worker
 * with every task of ours, on the database of our configuration (BOARDS_DATABASE_URL /
 * DATABASE_URL, `.env`); `--once` and `--schema-only` behave as graphile-worker documents. The
 * preset is src/cli/graphileWorkerPreset.ts, from the build when it is current, else from the
 * sources through tsx (Node strips this file's types itself).
 */
import type {} from "graphile-worker";
import { importProjectModule } from "./bin/projectModule.js";

const { graphileWorkerPreset } = (await importProjectModule("cli/graphileWorkerPreset")) as typeof import("./src/cli/graphileWorkerPreset.js");

const preset: GraphileConfig.Preset = graphileWorkerPreset();

export default preset;
