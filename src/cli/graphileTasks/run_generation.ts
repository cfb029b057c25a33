/** Task `run_generation` for `npx graphile-worker` (see graphileWorkerPreset.ts). */
import { RUN_GENERATION } from "../../jobs/runGeneration.js";
import { hostedTask } from "../graphileWorkerPreset.js";

export default hostedTask(RUN_GENERATION);
