import type { YogaInitialContext } from "graphql-yoga";
import type { Viewer } from "./auth/viewer.js";
import type { PrismaClient } from "./db.js";
import type { Env } from "./env.js";
import type { EventBus } from "./events.js";
import type { GeneratorRegistry } from "./generators/GeneratorRegistry.js";
import type { JobQueue } from "./jobs/jobQueue.js";
import type { StorageRouter } from "./storage/StorageRouter.js";
import type { Thumbnailer } from "./storage/Thumbnailer.js";
import type { UrlSigner } from "./storage/UrlSigner.js";
import type { Loaders } from "./loaders.js";
import type { Logger } from "./logger.js";
import type { LiveStreams } from "./services/LiveStreams.js";
import type { HostResolver } from "./lib/safeFetch.js";
import type { ProviderAdapters } from "./providers/ProviderAdapter.js";
import type { CreditsMode } from "./services/credits/creditAccounts.js";

/** Process-wide collaborators shared by every request. */
export type SharedDeps = {
  prisma: PrismaClient;
  logger: Logger;
  events: EventBus;
  /** The storage providers, chosen per object by the routing rules. */
  storage: StorageRouter;
  /** Makes thumbnails of stored images and (with ffmpeg) poster frames of videos. */
  thumbnails: Thumbnailer;
  /** Signs and checks private file links (local storage). */
  signer: UrlSigner;
  /** How long private file links stay valid. */
  urlTtlMs: number;
  generators: GeneratorRegistry;
  /** Adapters of the AI providers that have a key; declared generators run through them. */
  providers: ProviderAdapters;
  /** The API's public base URL (`BOARDS_PUBLIC_URL`): providers fetch inputs and deliver webhooks there. */
  publicUrl?: string;
  /** Hosts (host:port) of the provider origins overridden by `BOARDS_PROVIDER_ENDPOINTS`: their result files may be on private addresses. */
  trustedResultHosts?: string[];
  /** Whose credits generations are charged to (`BOARDS_CREDITS_MODE`); `off`: nobody's. */
  creditsMode?: CreditsMode;
  jobs: JobQueue;
  /** Name resolution for server-side URL fetches; unset: the system resolver (tests inject one). */
  resolveHost?: HostResolver;
};

/**
 * What a service needs to act for one caller: the viewer to authorize against, the request's
 * loaders, and the shared collaborators (database, events, storage, generators, job queue).
 */
export type ServiceContext = SharedDeps & {
  viewer: Viewer;
  loaders: Loaders;
  /** The API process's open live streams, ended cleanly when it stops (absent elsewhere). */
  liveStreams?: LiveStreams;
};

/** What the API adds to Yoga's initial context for each request. */
export type AppContext = ServiceContext & { requestId: string; env: Env };

/** Per-request GraphQL context as resolvers see it. */
export type GraphQLContext = YogaInitialContext & AppContext;
