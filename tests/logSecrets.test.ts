/**
 * No credential reaches the logs of the real API process (src/main.ts, its worker in-process,
 * at debug level): not a user's bearer token, the admin or metrics token, the link-signing
 * secret, a credential in the query or user info of an upload URL, nor a signed file link.
 * The traffic is what a deployment sees every minute: a signed-in request over HTTP and over a
 * WebSocket, URL uploads (one refused), a generation, signed downloads (one tampered with),
 * an admin call, a metrics scrape, and provider generations (one completed, one refused) whose
 * requests carry the provider's API key.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signToken } from "./helpers/actors.js";
import type { ThrowawayDatabase } from "./helpers/database.js";
import { postGraphql, type GqlResult } from "./helpers/launch.js";
import { startFalFake, type FalFake } from "./fakes/falFake.js";
import { wsClient } from "./helpers/live.js";
import { startMainProcess, type MainProcess } from "./helpers/mainProcess.js";
import { privateDatabase } from "./helpers/privateDatabase.js";
import { TEST_JWT_SECRET } from "./helpers/server.js";

const secret = (label: string) => `${label}${randomBytes(12).toString("hex")}`;
const ADMIN_TOKEN = secret("admin");
const METRICS_TOKEN = secret("metrics");
const SIGNING_SECRET = secret("signing-secret-at-least-32-chars-");
const URL_SIGNATURE = secret("amzsig");
const URL_API_KEY = secret("apikey");
const URL_PASSWORD = secret("pw");
const MISSING_SIG = secret("missing");
const FAL_KEY = secret("falkey");

let db: ThrowawayDatabase;
let origin: Server;
let originHost: string;
let main: MainProcess;
let url: string;
let storageDir: string;
let fal: FalFake;

beforeAll(async () => {
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#a33" } }).png().toBuffer();
  origin = createServer((req, res) => {
    if ((req.url ?? "").startsWith("/fox.png")) return void res.writeHead(200, { "content-type": "image/png" }).end(png);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => origin.listen(0, "127.0.0.1", resolve));
  originHost = `127.0.0.1:${(origin.address() as AddressInfo).port}`;
  fal = await startFalFake({ delayMs: 100, apiKey: FAL_KEY });
  db = await privateDatabase("logsecrets");
  storageDir = await mkdtemp(join(tmpdir(), "boards-log-secrets-"));
  main = startMainProcess({
    BOARDS_ENVIRONMENT: "development",
    BOARDS_API_HOST: "127.0.0.1",
    BOARDS_API_PORT: "0",
    BOARDS_DATABASE_URL: db.url,
    BOARDS_DATABASE_POOL_SIZE: "3",
    BOARDS_AUTH_PROVIDER: "jwt",
    BOARDS_JWT_SECRET: TEST_JWT_SECRET,
    BOARDS_LOG_LEVEL: "debug",
    BOARDS_WORKER_IN_PROCESS: "true",
    BOARDS_WORKER_POLL_INTERVAL_MS: "100",
    BOARDS_ADMIN_TOKEN: ADMIN_TOKEN,
    BOARDS_METRICS_TOKEN: METRICS_TOKEN,
    BOARDS_STORAGE_SIGNING_SECRET: SIGNING_SECRET,
    BOARDS_STORAGE_LOCAL_BASE_PATH: storageDir,
    BOARDS_UPLOAD_URL_ALLOW_HOSTS: JSON.stringify([originHost]),
    FAL_KEY,
    BOARDS_PROVIDER_ENDPOINTS: JSON.stringify({ fal: fal.url }),
  });
  const listening = await main.waitForLog((line) => line.msg === "boards-server listening");
  url = `http://127.0.0.1:${listening.port as number}`;
});
afterAll(async () => {
  main?.kill();
  await main?.exited;
  await new Promise<void>((resolve) => origin.close(() => resolve()));
  await fal?.close();
  await db?.drop();
  if (storageDir) await rm(storageDir, { recursive: true, force: true });
});

function ok<T>(result: GqlResult<T>): T {
  expect(result.errors, JSON.stringify(result.body)).toBeUndefined();
  return result.data!;
}

const UPLOAD = `mutation UploadFromUrl($input: UploadArtifactInput!) { uploadArtifact(input: $input) { id storageUrl } }`;

/** `link` on the API's actual port (the process was told port 0, so its links name none). */
const onApi = (link: string) => `${url}${new URL(link).pathname}${new URL(link).search}`;

/** The signature of a signed link (its `sig` query parameter). */
function signatureOf(link: string): string {
  const sig = new URL(link).searchParams.get("sig");
  expect(sig, link).toBeTruthy();
  return sig!;
}

describe("the API process's log", () => {
  it("carries no token, key, password or signed link after a day's worth of traffic", async () => {
    const token = await signToken({ sub: `log-secrets-${randomUUID()}` });
    ok(await postGraphql(url, `query Me { me { id } }`, {}, { token }));
    const boardId = ok(
      await postGraphql<{ createBoard: { id: string } }>(url, `mutation CreateBoard($input: CreateBoardInput!) { createBoard(input: $input) { id } }`, {
        input: { title: "private", isPublic: false },
      }, { token }),
    ).createBoard.id;

    // Over a WebSocket, the token travels in connectionParams.
    const ws = wsClient({ url }, { authorization: `Bearer ${token}` });
    for await (const result of ws.iterate({ query: `query MeOverWs { me { id } }` })) expect(result.errors).toBeUndefined();
    await ws.dispose();

    // URL uploads: credentials in the query string and in the user info; one the origin refuses.
    const credentialed = `http://${originHost}/fox.png?X-Amz-Signature=${URL_SIGNATURE}&api_key=${URL_API_KEY}`;
    const uploaded = ok(await postGraphql<{ uploadArtifact: { storageUrl: string } }>(url, UPLOAD, { input: { boardId, artifactType: "IMAGE", fileUrl: credentialed } }, { token }));
    await postGraphql(url, UPLOAD, { input: { boardId, artifactType: "IMAGE", fileUrl: `http://uploader:${URL_PASSWORD}@${originHost}/fox.png` } }, { token });
    const refused = await postGraphql(url, UPLOAD, { input: { boardId, artifactType: "IMAGE", fileUrl: `http://${originHost}/missing.png?sig=${MISSING_SIG}` } }, { token });
    expect(refused.errors).toBeDefined();

    // A generation, run by the worker, and its signed link (the board is private).
    const { createGeneration } = ok(
      await postGraphql<{ createGeneration: { id: string } }>(url, `mutation Submit($input: CreateGenerationInput!) { createGeneration(input: $input) { id } }`, {
        input: { boardId, generatorName: "image-from-prompt", artifactType: "IMAGE", inputParams: { prompt: "fox", width: 16, height: 16 } },
      }, { token }),
    );
    let link = "";
    for (let i = 0; i < 100 && !link; i++) {
      const { generation } = ok(
        await postGraphql<{ generation: { status: string; storageUrl: string | null } }>(url, `query Status($id: UUID!) { generation(id: $id) { status storageUrl } }`, { id: createGeneration.id }, { token }),
      );
      if (generation.status === "COMPLETED") link = generation.storageUrl!;
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(link).toMatch(/[?&]sig=/);

    // Provider generations: every request to fal carries the key; one is refused for credit.
    const runAtFal = async (prompt: string) => {
      const { createGeneration: g } = ok(
        await postGraphql<{ createGeneration: { id: string } }>(url, `mutation SubmitFal($input: CreateGenerationInput!) { createGeneration(input: $input) { id } }`, {
          input: { boardId, generatorName: "fal-nano-banana", artifactType: "IMAGE", inputParams: { prompt } },
        }, { token }),
      );
      for (let i = 0; i < 200; i++) {
        const { generation } = ok(await postGraphql<{ generation: { status: string } }>(url, `query FalStatus($id: UUID!) { generation(id: $id) { status } }`, { id: g.id }, { token }));
        if (["COMPLETED", "FAILED"].includes(generation.status)) return generation.status;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return "unsettled";
    };
    expect(await runAtFal("fox at fal")).toBe("COMPLETED");
    fal.options.outcome = "insufficient_credits";
    expect(await runAtFal("no credit")).toBe("FAILED");
    expect(fal.requests.every((r) => r.headers.authorization === `Key ${FAL_KEY}` || !r.path.startsWith("/fal-ai/"))).toBe(true);

    // Signed downloads, as a browser does them: no credentials but the link; one tampered with.
    expect((await fetch(onApi(link))).status).toBe(200);
    expect((await fetch(`${onApi(link)}&download=true`)).status).toBe(200);
    expect((await fetch(onApi(uploaded.uploadArtifact.storageUrl))).status).toBe(200);
    const tampered = link.replace(/sig=[^&]+/, `sig=${secret("forged")}`);
    expect((await fetch(onApi(tampered))).status).toBe(403);

    expect((await fetch(`${url}/api/setup/status`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(200);

    const secrets: Record<string, string> = {
      "user token": token,
      "user token signature": token.split(".")[2]!,
      "admin token": ADMIN_TOKEN,
      "metrics token": METRICS_TOKEN,
      "signing secret": SIGNING_SECRET,
      "URL signature parameter": URL_SIGNATURE,
      "URL api_key parameter": URL_API_KEY,
      "URL password": URL_PASSWORD,
      "refused URL's signature": MISSING_SIG,
      "generation link signature": signatureOf(link),
      "uploaded file link signature": signatureOf(uploaded.uploadArtifact.storageUrl),
      "forged signature": new URL(tampered).searchParams.get("sig")!,
      "fal API key": FAL_KEY,
    };

    // The log saw the traffic (else finding nothing would prove nothing)...
    const requests = main.logs.filter((line) => line.msg === "request");
    expect(requests.filter((line) => String(line.path).startsWith("/api/storage/")).map((line) => line.status)).toEqual(expect.arrayContaining([200, 403]));
    expect(requests.find((line) => line.operationName === "Me")).toMatchObject({ operationType: "query", status: 200 });
    expect(requests.find((line) => line.operationName === "UploadFromUrl")).toMatchObject({ operationType: "mutation" });
    expect(main.logs.filter((line) => line.msg === "job finished" && line.generationId === createGeneration.id)).toHaveLength(1);

    // ...and none of the secrets.
    const lines = [...main.logs.map((line) => JSON.stringify(line)), main.output()];
    const leaks = Object.entries(secrets).flatMap(([what, value]) => lines.filter((line) => line.includes(value)).map((line) => `${what}: ${line}`));
    expect(leaks).toEqual([]);
  });
});
