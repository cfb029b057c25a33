import { AsyncLocalStorage } from "node:async_hooks";
import type { Logger } from "./logger.js";
import type { UploadedFile } from "./services/uploads.js";

/** Request-scoped values reachable from code that gets no context argument (error masking, scalars). */
export type RequestStore = {
  requestId: string;
  logger: Logger;
  /**
   * Files of a GraphQL multipart request, by the placeholder that stands for each in the
   * operation's variables (the `File` scalar turns a placeholder back into its file).
   */
  uploads?: ReadonlyMap<string, UploadedFile>;
  /**
   * The GraphQL operation the request ran, for its log line; filled in while it runs (shared by
   * reference with stores derived from this one).
   */
  operation?: { name?: string; type?: string };
};

export const requestStore = new AsyncLocalStorage<RequestStore>();
