/** Task `delete_stored_objects` for `npx graphile-worker` (see graphileWorkerPreset.ts). */
import { DELETE_STORED_OBJECTS } from "../../jobs/deleteStoredObjects.js";
import { hostedTask } from "../graphileWorkerPreset.js";

export default hostedTask(DELETE_STORED_OBJECTS);
