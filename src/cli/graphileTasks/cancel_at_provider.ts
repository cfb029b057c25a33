/** Task `cancel_at_provider` for `npx graphile-worker` (see graphileWorkerPreset.ts). */
import { CANCEL_AT_PROVIDER } from "../../jobs/cancelAtProvider.js";
import { hostedTask } from "../graphileWorkerPreset.js";

export default hostedTask(CANCEL_AT_PROVIDER);
