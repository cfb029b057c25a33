/**
 * V8 flags of the server processes (API and worker) as `npm start` runs them. A request builds
 * many short-lived objects (rows, GraphQL results); a 64 MB young generation (V8's default is
 * 16 MB) lets them die there instead of being promoted and collected again, which took the
 * nested boards page from 46 to 40 ms of CPU (`npm run bench reads`). The image sets the same
 * through NODE_OPTIONS (Dockerfile).
 */
export const SERVER_NODE_FLAGS = ["--max-semi-space-size=64"];
