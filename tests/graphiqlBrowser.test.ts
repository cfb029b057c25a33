/**
 * GraphiQL in a real browser (Debian's chromium driven by playwright-core): the page the API
 * serves at GET /graphql loads without any request leaving the machine, runs a query typed into
 * its editor, and shows a subscription's streamed updates. Skipped where /usr/bin/chromium is
 * missing (`.ci/run` installs it).
 */
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../src/db.js";
import { startWorker, type RunningWorker } from "../src/jobs/startWorker.js";
import { startIsolatedServer } from "./helpers/pipeline.js";
import type { TestServer } from "./helpers/server.js";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);

/** Upper bound of every wait on the page (none of them is a timing assertion). */
const WAIT_MS = 30_000;
/** Per test: a few bounded waits on a loaded machine. */
const TEST_MS = 4 * WAIT_MS;

describe.skipIf(!hasChromium)(
  hasChromium ? "GraphiQL in chromium" : `GraphiQL in chromium (skipped: no browser at ${CHROMIUM}; .ci/run installs Debian's chromium)`,
  () => {
    let server: TestServer;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let workerPool: ReturnType<typeof createPool> | undefined;
    let worker: RunningWorker | undefined;
    /** Every URL the page requested. */
    const requested: string[] = [];

    beforeAll(async () => {
      // No auth: GraphiQL then needs no headers beyond the CSRF one it is configured with. Its
      // own database, so the one development user's tenant holds only this suite's data. No
      // worker yet: the suite starts it once the subscription shows the pending generation.
      server = await startIsolatedServer({ BOARDS_AUTH_PROVIDER: "none" });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        timeout: WAIT_MS,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
      });
      context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      page = await context.newPage();
      page.setDefaultTimeout(WAIT_MS);
      context.on("request", (request) => requested.push(request.url()));
    });

    afterAll(async () => {
      await context?.close();
      await browser?.close();
      await worker?.stop();
      await workerPool?.end();
      await server?.close();
    });

    it("loads without any request leaving the machine", async () => {
      const response = await page.goto(`${server.url}/graphql`, { waitUntil: "load" });
      expect(response?.status()).toBe(200);
      await page.locator(".graphiql-query-editor .monaco-editor").waitFor();
      await page.locator(".graphiql-response .monaco-editor").waitFor();
      expect(requested.length).toBeGreaterThan(0);
      expect(requested.filter((url) => !local(url))).toEqual([]);
    }, TEST_MS);

    it("runs a query typed into the editor and shows its result", async () => {
      const boardId = await createBoard("Typed in a browser");
      await typeOperation(`{ board(id: "${boardId}") { title isPublic } }`);
      await page.keyboard.press("ControlOrMeta+Enter");
      await expect.poll(() => shownResult(), { timeout: WAIT_MS, interval: 100 }).toEqual({
        data: { board: { title: "Typed in a browser", isPublic: false } },
      });
    }, TEST_MS);

    it("shows a subscription's updates as they stream in, ending with the completed generation", async () => {
      const boardId = await createBoard("Streamed to a browser");
      const created = await server.gql<{ createGeneration: { id: string } }>(
        `mutation($input: CreateGenerationInput!) { createGeneration(input: $input) { id } }`,
        {
          input: {
            boardId,
            generatorName: "image-from-prompt",
            artifactType: "IMAGE",
            inputParams: { prompt: "a lighthouse", width: 32, height: 32, delay_ms: 3000, progress_steps: 6 },
          },
        },
      );
      expect(created.errors, JSON.stringify(created.errors)).toBeUndefined();
      const id = created.data!.createGeneration.id;

      // Every distinct result the pane renders, in order (the pane shows the latest payload).
      await page.evaluate(() => {
        const seen: string[] = [];
        (window as unknown as { seenResults: string[] }).seenResults = seen;
        const lines = document.querySelector(".graphiql-response .view-lines")!;
        new MutationObserver(() => {
          const text = [...lines.querySelectorAll<HTMLElement>(".view-line")]
            .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
            .map((line) => line.innerText.replace(/\u00a0/g, " "))
            .join("\n");
          if (seen[seen.length - 1] !== text) seen.push(text);
        }).observe(lines, { childList: true, subtree: true, characterData: true });
      });
      await typeOperation(`subscription { generationProgress(id: "${id}") { phase generation { id status progress } } }`);
      await page.keyboard.press("ControlOrMeta+Enter");

      // No worker has run yet, so the first update is the pending generation.
      await expect.poll(() => shownStatus(), { timeout: WAIT_MS, interval: 100 }).toBe("PENDING");
      workerPool = createPool(server.env.databaseUrl, server.env.worker.concurrency + 2);
      worker = await startWorker({ ...server.runtime, pgPool: workerPool }, server.env.worker);
      await expect.poll(() => shownStatus(), { timeout: WAIT_MS, interval: 100 }).toBe("COMPLETED");

      const updates = (await page.evaluate(() => (window as unknown as { seenResults: string[] }).seenResults))
        .map(parseResult)
        .map((result) => (result as ProgressResult | null)?.data?.generationProgress)
        .filter((update) => update !== undefined);
      expect(updates.every((update) => update.generation.id === id)).toBe(true);
      const statuses = updates.map((update) => update.generation.status);
      expect(statuses[0]).toBe("PENDING");
      expect(statuses[statuses.length - 1]).toBe("COMPLETED");
      expect(statuses.indexOf("COMPLETED")).toBe(statuses.length - 1);
      // Between the pending and the completed generation, the work in progress.
      expect(updates.some((update) => update.generation.status === "PROCESSING" && update.generation.progress > 0)).toBe(true);
      const progress = updates.map((update) => update.generation.progress);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(progress[progress.length - 1]).toBe(100);
      expect(requested.filter((url) => !local(url))).toEqual([]);
    }, TEST_MS);

    /** True for a URL served by the test server, or made in the page itself. */
    function local(url: string): boolean {
      return url.startsWith(`${server.url}/`) || url.startsWith("data:") || url.startsWith(`blob:${server.url}/`);
    }

    async function createBoard(title: string): Promise<string> {
      const result = await server.gql<{ createBoard: { id: string } }>(
        `mutation($input: CreateBoardInput!) { createBoard(input: $input) { id } }`,
        { input: { title } },
      );
      expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
      return result.data!.createBoard.id;
    }

    /** Replaces the operation editor's content by typing `operation` into it, key by key. */
    async function typeOperation(operation: string): Promise<void> {
      await page.locator(".graphiql-query-editor .monaco-editor").click();
      await page.keyboard.press("ControlOrMeta+A");
      await page.keyboard.press("Delete");
      await page.keyboard.type(operation);
      // Closes a completion list the typing may have opened.
      await page.keyboard.press("Escape");
      await expect.poll(() => editorText(".graphiql-query-editor"), { timeout: WAIT_MS, interval: 100 }).toBe(operation);
    }

    /** The text an editor shows, line by line in display order. */
    function editorText(pane: string): Promise<string> {
      return page.locator(`${pane} .view-lines`).evaluate((lines) =>
        [...lines.querySelectorAll<HTMLElement>(".view-line")]
          .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
          .map((line) => line.innerText.replace(/\u00a0/g, " "))
          .join("\n"),
      );
    }

    /** The result pane's JSON, or null while it shows none. */
    async function shownResult(): Promise<unknown> {
      return parseResult(await editorText(".graphiql-response"));
    }

    async function shownStatus(): Promise<string | undefined> {
      return ((await shownResult()) as ProgressResult | null)?.data?.generationProgress?.generation.status;
    }
  },
);

type ProgressResult = { data: { generationProgress: { phase: string; generation: { id: string; status: string; progress: number } } } };

function parseResult(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
