/**
 * Storage figures on this machine:
 *  1. upload throughput (MB/s) and the API process's peak RSS growth while a 200 MB file is
 *     uploaded through POST /api/uploads/artifact, then through a GraphQL multipart request
 *     (uploadArtifact with `file`) (both streamed: RSS growth should stay far below the file
 *     size);
 *  2. serving throughput of GET /api/storage for a 50 MB file, next to reading the same file
 *     straight from disk (the ratio is the figure).
 *
 *   npm run bench storage          (BENCH_UPLOAD_MB=200 BENCH_SERVE_MB=50 by default)
 *
 * The API runs in a child process (its RSS is sampled every 20 ms through /proc); the client
 * streams the body from a generator, so neither side holds the file in memory.
 */
import { createReadStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { signToken } from "../tests/helpers/actors.js";
import { createMigratedDatabase } from "../tests/helpers/database.js";
import { startMainProcess } from "../tests/helpers/mainProcess.js";

const UPLOAD_MB = Number(process.env.BENCH_UPLOAD_MB ?? 200);
const SERVE_MB = Number(process.env.BENCH_SERVE_MB ?? 50);
const WARM_UP_MB = 16;
const MB = 1024 * 1024;
const serverUrl = process.env.BOARDS_DATABASE_URL || process.env.DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

type Part = { name: string; value: string } | { name: string; filename: string; type: string };

/**
 * POSTs a multipart body of `parts` to `url`, the last one a file of `mb` megabytes of text (a
 * valid "text" artifact) generated on the fly, so the client never holds the file.
 */
function postMultipart(url: string, headers: Record<string, string>, parts: Part[], mb: number): Promise<{ status: number; body: string }> {
  const boundary = "----boards-bench";
  const head = Buffer.from(
    parts
      .map((part) =>
        "value" in part
          ? `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`
          : `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: ${part.type}\r\n\r\n`,
      )
      .join(""),
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const chunk = Buffer.alloc(MB, "lorem ipsum dolor sit amet\n");
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "POST",
      headers: { ...headers, "content-type": `multipart/form-data; boundary=${boundary}`, "content-length": head.length + mb * MB + tail.length },
    });
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    let sent = 0;
    req.write(head);
    const pump = () => {
      while (sent < mb) {
        sent += 1;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      req.end(tail);
    };
    pump();
  });
}

const file = { filename: "big.txt", type: "text/plain" };

/** REST upload (POST /api/uploads/artifact) of `mb` megabytes; answers the stored file's URL. */
async function restUpload(url: string, headers: Record<string, string>, boardId: string, mb: number): Promise<string> {
  const parts: Part[] = [{ name: "board_id", value: boardId }, { name: "artifact_type", value: "text" }, { name: "file", ...file }];
  const result = await postMultipart(`${url}/api/uploads/artifact`, headers, parts, mb);
  if (result.status !== 200) throw new Error(`REST upload failed: ${result.status} ${result.body}`);
  return (JSON.parse(result.body) as { storageUrl: string }).storageUrl;
}

/** uploadArtifact(input: { file }) over a GraphQL multipart request of `mb` megabytes. */
async function graphqlUpload(url: string, headers: Record<string, string>, boardId: string, mb: number): Promise<void> {
  const query = "mutation($input: UploadArtifactInput!) { uploadArtifact(input: $input) { id status } }";
  const parts: Part[] = [
    { name: "operations", value: JSON.stringify({ query, variables: { input: { boardId, artifactType: "TEXT", file: null } } }) },
    { name: "map", value: JSON.stringify({ 0: ["variables.input.file"] }) },
    { name: "0", ...file },
  ];
  const result = await postMultipart(`${url}/graphql`, { ...headers, "x-graphql-yoga-csrf": "1" }, parts, mb);
  const body = JSON.parse(result.body) as { data?: { uploadArtifact?: { status: string } } };
  if (result.status !== 200 || body.data?.uploadArtifact?.status !== "COMPLETED") throw new Error(`GraphQL upload failed: ${result.status} ${result.body}`);
}

/** Runs `upload` while sampling the API's RSS every 20 ms; prints MB/s and RSS growth. */
async function measure(label: string, pid: number, upload: () => Promise<unknown>): Promise<void> {
  const baseline = await rssOf(pid);
  let peak = baseline;
  const sampler = setInterval(() => void rssOf(pid).then((r) => (peak = Math.max(peak, r))).catch(() => undefined), 20);
  const t0 = performance.now();
  try {
    await upload();
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - t0) / 1000;
  const growth = peak - baseline;
  console.log(
    `${label.padEnd(26)} ${(UPLOAD_MB / seconds).toFixed(1).padStart(6)} MB/s; API RSS ${(baseline / MB).toFixed(0)} MB → peak ${(peak / MB).toFixed(0)} MB ` +
      `(growth ${(growth / MB).toFixed(1)} MB, ${((growth / (UPLOAD_MB * MB)) * 100).toFixed(1)}% of the file)`,
  );
}

/**
 * Downloads `url` with node:http and counts the bytes: a plain socket reader, so the figure is
 * the server's rather than that of a WHATWG-streams client in this process.
 */
function drain(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      let bytes = 0;
      res.on("data", (part: Buffer) => (bytes += part.length));
      res.on("end", () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`GET ${url}: HTTP ${res.statusCode}`))));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

const database = await createMigratedDatabase(serverUrl, "boards_bench_storage");
const storageDir = await mkdtemp(join(tmpdir(), "boards-bench-storage-"));
const api = startMainProcess({
  BOARDS_DATABASE_URL: database.url,
  BOARDS_API_PORT: "0",
  BOARDS_API_HOST: "127.0.0.1",
  BOARDS_STORAGE_LOCAL_BASE_PATH: storageDir,
  BOARDS_AUTH_PROVIDER: "jwt",
  BOARDS_JWT_SECRET: "bench-only",
  BOARDS_MAX_UPLOAD_SIZE: String((UPLOAD_MB + 1) * MB),
  BOARDS_STORAGE_MAX_FILE_SIZE: String((UPLOAD_MB + 1) * MB),
  BOARDS_WORKER_IN_PROCESS: "false",
  BOARDS_LOG_LEVEL: "info",
});
try {
  const listening = await api.waitForLog((l) => l.msg === "boards-server listening");
  const url = `http://127.0.0.1:${String(listening.port)}`;
  const pid = api.child.pid!;
  const tenant = `st-${Date.now().toString(36)}`;
  const headers = { authorization: `Bearer ${await signToken({ sub: `bench-${tenant}`, secret: "bench-only" })}`, "x-tenant": tenant };
  const created = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify({ query: `mutation { createBoard(input: { title: "bench", isPublic: true }) { id } }` }),
  });
  const boardId = ((await created.json()) as { data: { createBoard: { id: string } } }).data.createBoard.id;

  console.log(`Storage benchmark (API in its own process)\n`);
  // One small upload each first, so neither figure carries the process's first-use growth
  // (compiled code, buffers, pools) and the second one does not look better for coming second.
  await restUpload(url, headers, boardId, WARM_UP_MB);
  await graphqlUpload(url, headers, boardId, WARM_UP_MB);
  console.log(`Upload of ${UPLOAD_MB} MB, streamed (after a ${WARM_UP_MB} MB warm-up upload each):`);
  await measure("  REST multipart:", pid, () => restUpload(url, headers, boardId, UPLOAD_MB));
  await measure("  GraphQL multipart:", pid, () => graphqlUpload(url, headers, boardId, UPLOAD_MB));

  const smallUrl = await restUpload(url, headers, boardId, SERVE_MB);
  // The API was started on a random port, so its configured public base is not the address here.
  const path = new URL(smallUrl).pathname;
  const storageUrl = `${url}${path}`;
  const key = decodeURIComponent(path.slice("/api/storage/".length));
  const runs = 5;
  let httpBytes = 0;
  const h0 = performance.now();
  for (let i = 0; i < runs; i++) httpBytes += await drain(storageUrl);
  const httpSeconds = (performance.now() - h0) / 1000;
  let diskBytes = 0;
  const d0 = performance.now();
  for (let i = 0; i < runs; i++) for await (const part of createReadStream(join(storageDir, key))) diskBytes += (part as Buffer).length;
  const diskSeconds = (performance.now() - d0) / 1000;
  const httpRate = httpBytes / MB / httpSeconds;
  const diskRate = diskBytes / MB / diskSeconds;
  console.log(`\nServing a ${SERVE_MB} MB file (${runs} reads each):`);
  console.log(`  GET /api/storage:   ${httpRate.toFixed(0)} MB/s`);
  console.log(`  read from disk:     ${diskRate.toFixed(0)} MB/s`);
  console.log(`  ratio HTTP / disk:  ${(httpRate / diskRate).toFixed(2)}`);
} finally {
  api.child.kill("SIGTERM");
  await api.exited;
  await rm(storageDir, { recursive: true, force: true });
  await database.drop();
}
