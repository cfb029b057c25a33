import { AsyncLocalStorage } from "node:async_hooks";
import type { Logger } from "./logger.js";

/** Request-scoped values reachable from code that gets no context argument (error masking). */
export type RequestStore = { requestId: string; logger: Logger };

export const requestStore = new AsyncLocalStorage<RequestStore>();
