import type { YogaInitialContext } from "graphql-yoga";
import type { Viewer } from "./auth/viewer.js";
import type { PrismaClient } from "./db.js";
import type { Env } from "./env.js";
import type { Loaders } from "./loaders.js";
import type { Logger } from "./logger.js";

/**
 * What a service needs to act for one caller: the viewer to authorize against, the database,
 * the request's loaders and a logger. The worker builds the same shape with a system viewer.
 */
export type ServiceContext = {
  viewer: Viewer;
  prisma: PrismaClient;
  loaders: Loaders;
  logger: Logger;
};

/** What the API adds to Yoga's initial context for each request. */
export type AppContext = ServiceContext & { requestId: string; env: Env };

/** Per-request GraphQL context as resolvers see it. */
export type GraphQLContext = YogaInitialContext & AppContext;
