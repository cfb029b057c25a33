/** Task `poll_generation` for `npx graphile-worker` (see graphileWorkerPreset.ts). */
import { POLL_GENERATION } from "../../jobs/pollGenerationJob.js";
import { hostedTask } from "../graphileWorkerPreset.js";

export default hostedTask(POLL_GENERATION);
