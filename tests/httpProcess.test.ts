/**
 * The HTTP server of the real API process (src/main.ts as deployed) against hostile or broken
 * clients: bodies cut off mid-part, dripping headers and bodies, a taken port, and defects that
 * escape every handler. A crash here ends the child process, never the test worker.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer, connect, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { signToken } from "./helpers/actors.js";
import { startMainProcess, type LogLine, type MainProcess } from "./helpers/mainProcess.js";
import { TEST_JWT_SECRET } from "./helpers/server.js";
import { expectSpoolEmpty } from "./helpers/spool.js";

const isListening = (line: LogLine) => line.msg === "boards-server listening";
const CRLF = "\r\n";

function mainEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    BOARDS_ENVIRONMENT: "development",
    BOARDS_API_HOST: "127.0.0.1",
    BOARDS_API_PORT: "0",
    BOARDS_DATABASE_URL: inject("databaseUrl"),
    BOARDS_DATABASE_POOL_SIZE: "2",
    BOARDS_AUTH_PROVIDER: "jwt",
    BOARDS_JWT_SECRET: TEST_JWT_SECRET,
    BOARDS_LOG_LEVEL: "info",
    BOARDS_WORKER_IN_PROCESS: "false",
    ...overrides,
  };
}

async function portOf(main: MainProcess): Promise<number> {
  const line = await main.waitForLog(isListening);
  return line.port as number;
}

type Exchange = { socket: Socket; received: () => string; closed: Promise<void> };

/** A raw TCP connection to `port` that collects whatever the server sends until it closes. */
async function open(port: number): Promise<Exchange> {
  const socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  // A reset is one way for the server to end the exchange.
  socket.on("error", () => undefined);
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return { socket, received: () => Buffer.concat(chunks).toString("latin1"), closed };
}

/** Resolves when `exchange` has a whole response head or the server closed the connection. */
async function answered(exchange: Exchange, attempts = 200): Promise<void> {
  for (let i = 0; i < attempts && !exchange.socket.destroyed; i++) {
    if (exchange.received().includes(CRLF + CRLF)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const statusOf = (text: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);

const escaped = (line: LogLine) => /uncaught exception|unhandled promise rejection/.test(line.msg ?? "");

/** The process is up, answers, and no error escaped its handlers (the last-resort guard logs those). */
async function expectServing(main: MainProcess, port: number): Promise<void> {
  expect(main.child.exitCode, main.output()).toBeNull();
  expect(main.logs.filter(escaped)).toEqual([]);
  const health = await fetch(`http://127.0.0.1:${port}/health`);
  expect(health.status).toBe(200);
}

describe("a body cut off in the middle of a part", () => {
  let main: MainProcess;
  let port: number;
  let spool: string;
  let token: string;

  beforeAll(async () => {
    spool = await mkdtemp(join(tmpdir(), "boards-test-spool-"));
    main = startMainProcess(mainEnv({ BOARDS_UPLOAD_TEMP_DIR: spool }));
    port = await portOf(main);
    token = await signToken({ sub: `http-process-${Date.now()}` });
  });
  afterAll(async () => {
    main.kill();
    await main.exited;
    await rm(spool, { recursive: true, force: true });
  });

  const boundary = "----boards-cut-off";
  const filePart = (name: string) =>
    `--${boundary}${CRLF}Content-Disposition: form-data; name="${name}"; filename="a.png"${CRLF}Content-Type: image/png${CRLF}${CRLF}` + "x".repeat(2048);

  it("answers 400 to a GraphQL multipart request whose first part is a file, sent in two writes, and keeps serving", async () => {
    const exchange = await open(port);
    exchange.socket.write(
      `POST /graphql HTTP/1.1${CRLF}Host: 127.0.0.1${CRLF}Content-Type: multipart/form-data; boundary=${boundary}${CRLF}` +
        `x-graphql-yoga-csrf: 1${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}` +
        chunk(filePart("0")),
    );
    await answered(exchange);
    // The second write: the rest of the file and the end of the body (the server may be gone).
    exchange.socket.write(chunk(`${"y".repeat(1024)}${CRLF}--${boundary}--${CRLF}`) + `0${CRLF}${CRLF}`);
    await answered(exchange);
    expect(statusOf(exchange.received()), exchange.received()).toBe(400);
    expect(exchange.received()).toMatch(/must come before the files/);
    exchange.socket.destroy();
    await expectServing(main, port);
    await expectSpoolEmpty(spool);
  });

  it("removes the request's files and keeps serving when a REST upload is dropped inside a part it does not keep", async () => {
    const exchange = await open(port);
    exchange.socket.write(
      `POST /api/uploads/artifact HTTP/1.1${CRLF}Host: 127.0.0.1${CRLF}Authorization: Bearer ${token}${CRLF}` +
        `Content-Type: multipart/form-data; boundary=${boundary}${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}` +
        chunk(filePart("other")),
    );
    // The request's spool directory appears once it is authenticated and its body is being read.
    let started = false;
    for (let i = 0; i < 200 && !started; i++) {
      exchange.socket.write(chunk("z".repeat(1024)));
      started = (await readdir(spool)).length > 0;
      if (!started) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(started, "the server never started reading the body").toBe(true);
    // A few more bytes of the discarded part, then the client is gone.
    for (let i = 0; i < 3; i++) {
      exchange.socket.write(chunk("z".repeat(1024)));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    exchange.socket.destroy();
    await expectSpoolEmpty(spool);
    await expectServing(main, port);
  });
});

/** One chunk of a chunked body. */
function chunk(text: string): string {
  return `${Buffer.byteLength(text).toString(16)}${CRLF}${text}${CRLF}`;
}

describe("slow clients", () => {
  let main: MainProcess;
  let port: number;

  beforeAll(async () => {
    main = startMainProcess(
      mainEnv({ BOARDS_HTTP_HEADERS_TIMEOUT_MS: "1000", BOARDS_HTTP_REQUEST_TIMEOUT_MS: "3000", BOARDS_HTTP_BODY_IDLE_TIMEOUT_MS: "1500" }),
    );
    port = await portOf(main);
  });
  afterAll(async () => {
    main.kill();
    await main.exited;
  });

  /**
   * Keeps writing `drip()` every 100 ms until the server closes the connection; resolves with
   * whether it did within `attempts` drips (far beyond the configured timeouts).
   */
  async function dripUntilClosed(exchange: Exchange, drip: () => string | null, attempts = 150): Promise<boolean> {
    let closed = false;
    void exchange.closed.then(() => (closed = true));
    for (let i = 0; i < attempts && !closed; i++) {
      const text = drip();
      if (text !== null && !exchange.socket.destroyed) exchange.socket.write(text);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    exchange.socket.destroy();
    return closed;
  }

  it("cuts off a client that drips its headers, past BOARDS_HTTP_HEADERS_TIMEOUT_MS", async () => {
    const exchange = await open(port);
    exchange.socket.write(`GET /health HTTP/1.1${CRLF}Host: 127.0.0.1${CRLF}`);
    let n = 0;
    expect(await dripUntilClosed(exchange, () => `X-Drip-${n++}: 1${CRLF}`)).toBe(true);
    expect(exchange.received()).not.toMatch(/"healthy"/);
    await expectServing(main, port);
  });

  it("cuts off a client that stops sending its body, past BOARDS_HTTP_BODY_IDLE_TIMEOUT_MS", async () => {
    const exchange = await open(port);
    exchange.socket.write(`POST /graphql HTTP/1.1${CRLF}Host: 127.0.0.1${CRLF}Content-Type: application/json${CRLF}Content-Length: 100${CRLF}${CRLF}{`);
    expect(await dripUntilClosed(exchange, () => null)).toBe(true);
    await expectServing(main, port);
  });

  it("cuts off a client that drips its body, past BOARDS_HTTP_REQUEST_TIMEOUT_MS", async () => {
    const exchange = await open(port);
    exchange.socket.write(`POST /graphql HTTP/1.1${CRLF}Host: 127.0.0.1${CRLF}Content-Type: application/json${CRLF}Content-Length: 100000${CRLF}${CRLF}`);
    expect(await dripUntilClosed(exchange, () => " ")).toBe(true);
    await expectServing(main, port);
  });
});

describe("process-level failures", () => {
  let main: MainProcess | undefined;
  afterEach(async () => {
    main?.kill();
    await main?.exited;
    main = undefined;
  });

  it(
    "exits non-zero at once, naming the port, when the port is taken",
    async () => {
      const taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
      const port = (taken.address() as AddressInfo).port;
      try {
        main = startMainProcess(mainEnv({ BOARDS_API_PORT: String(port) }));
        const exit = await main.exited;
        expect(exit.code, main.output()).toBe(1);
        const fatal = main.logs.find((line) => line.level === 60);
        expect(fatal?.msg, JSON.stringify(main.logs)).toMatch(new RegExp(`port ${port}`));
        expect(main.logs.some(isListening)).toBe(false);
      } finally {
        await new Promise((resolve) => taken.close(resolve));
      }
    },
    60_000,
  );

  it.each([
    ["src/main.ts", isListening],
    ["src/worker.ts", (line: LogLine) => line.msg === "worker started"],
  ] as const)(
    "%s logs an exception or rejection that escaped every handler and keeps running",
    async (entry, isReady) => {
      const fixture = fileURLToPath(new URL("./fixtures/process/throwOnSignal.mjs", import.meta.url));
      main = startMainProcess(mainEnv({ NODE_OPTIONS: `--import=${fixture}` }), entry);
      const ready = await main.waitForLog(isReady);
      main.child.kill("SIGUSR2");
      await main.waitForLog((line) => JSON.stringify(line).includes("injected uncaught exception"));
      await main.waitForLog((line) => JSON.stringify(line).includes("injected unhandled rejection"));
      expect(main.child.exitCode, main.output()).toBeNull();
      if (entry === "src/main.ts") expect((await fetch(`http://127.0.0.1:${ready.port as number}/health`)).status).toBe(200);
      // Still the same process, and it still stops cleanly.
      main.child.kill("SIGTERM");
      expect(await main.exited, main.output()).toEqual({ code: 0, signal: null });
    },
    60_000,
  );
});
