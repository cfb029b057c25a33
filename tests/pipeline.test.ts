/**
 * The generation pipeline over real HTTP with a real job worker: submitting, running, storing
 * and serving outputs, submit-time validation, artifact inputs and lineage, batches, retry,
 * delete, and the generator catalogue. Progress events are covered by the subscription suite.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectData, expectError, newTenant, type Actor, type TenantHandle } from "./helpers/actors.js";
import {
  awaitCompleted,
  download,
  GENERATION_FIELDS,
  jobCount,
  pngSize,
  readGeneration,
  startIsolatedServer,
  submitGeneration,
  tryCreateGeneration,
  wavInfo,
  type GenerationView,
  type SubmitInput,
} from "./helpers/pipeline.js";
import type { GqlResult, TestServer } from "./helpers/server.js";
import { addBoardMember, addGeneration, boardWithEveryRole, createBoard, createTag, fieldErrors, type Caller } from "./helpers/taggingFixtures.js";

/** Runs the worker: generations submitted here are executed and their files stored. */
let server: TestServer;
/** No worker: whatever a request queues stays in the job table, where the suite can see it. */
let quiet: TestServer;

beforeAll(async () => {
  [server, quiet] = await Promise.all([startIsolatedServer({}, { worker: true }), startIsolatedServer()]);
});
afterAll(async () => {
  await Promise.all([server?.close(), quiet?.close()]);
});

const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";

const imageInput = (boardId: string, inputParams: Record<string, unknown>): SubmitInput => ({
  boardId,
  generatorName: "image-from-prompt",
  artifactType: "IMAGE",
  inputParams,
});

const transformInput = (boardId: string, image: unknown, extra: Record<string, unknown> = {}): SubmitInput => ({
  boardId,
  generatorName: "image-transform",
  artifactType: "IMAGE",
  inputParams: { image, ...extra },
});

/** Submits a generation, waits for it and returns it completed. */
async function generate(actor: Actor, input: SubmitInput): Promise<GenerationView> {
  const queued = await submitGeneration(actor, input);
  return awaitCompleted(actor, queued.id);
}

async function downloadPng(url: string | null): Promise<{ bytes: Buffer; width: number; height: number }> {
  expect(url).toMatch(/^http:\/\//);
  const file = await download(url!);
  expect(file.status).toBe(200);
  expect(file.contentType).toBe("image/png");
  return { bytes: file.bytes, ...pngSize(file.bytes) };
}

describe("running a generation", () => {
  let tenant: TenantHandle;
  let owner: Actor;
  let boardId: string;
  beforeAll(async () => {
    tenant = await newTenant(server);
    owner = await tenant.user("owner");
    boardId = await createBoard(owner, { title: "Runs" });
  });

  it("queues an image generation with its inputs (defaults applied) and completes it with a PNG of the requested size", async () => {
    const queued = await submitGeneration(owner, {
      ...imageInput(boardId, { prompt: "a red fox", width: 64, height: 48, seed: 7 }),
      metadata: { client: "pipeline-test" },
    });
    expect(queued).toMatchObject({
      tenantId: tenant.id,
      boardId,
      userId: owner.id,
      generatorName: "image-from-prompt",
      artifactType: "IMAGE",
      status: "PENDING",
      progress: 0,
      storageUrl: null,
      completedAt: null,
      metadata: { client: "pipeline-test" },
      inputArtifacts: [],
    });
    expect(queued.inputParams).toEqual({ prompt: "a red fox", width: 64, height: 48, seed: 7, num_images: 1, delay_ms: 0, progress_steps: 4 });

    const done = await awaitCompleted(owner, queued.id);
    expect(done.progress).toBe(100);
    expect(done.errorMessage).toBeNull();
    expect(done.startedAt).not.toBeNull();
    expect(done.completedAt).not.toBeNull();
    expect(Date.parse(done.completedAt!)).toBeGreaterThanOrEqual(Date.parse(done.startedAt!));
    expect(done.inputParams).toEqual(queued.inputParams);
    expect(done.metadata).toEqual({ client: "pipeline-test" });

    const png = await downloadPng(done.storageUrl);
    expect({ width: png.width, height: png.height }).toEqual({ width: 64, height: 48 });
    expect(done.outputMetadata).toMatchObject({
      generation_id: done.id,
      // The stored URL is the file's plain address; the API hands out a signed link to it.
      storage_url: done.storageUrl!.split("?")[0],
      format: "png",
      mime_type: "image/png",
      width: 64,
      height: 48,
      file_size: png.bytes.length,
    });
    // A single output is not a batch.
    expect(done.outputMetadata).not.toHaveProperty("batch_id");
  });

  it("completes an audio generation with a WAV file of the requested sample rate and length", async () => {
    const done = await generate(owner, {
      boardId,
      generatorName: "audio-tone",
      artifactType: "AUDIO",
      inputParams: { prompt: "do re mi", duration_seconds: 0.5, sample_rate: 8000 },
    });
    expect(done.artifactType).toBe("AUDIO");
    expect(done.progress).toBe(100);
    const file = await download(done.storageUrl!);
    expect(file.status).toBe(200);
    expect(file.contentType).toBe("audio/wav");
    expect(wavInfo(file.bytes)).toEqual({ audioFormat: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16, dataBytes: 0.5 * 8000 * 2 });
    expect(done.outputMetadata).toMatchObject({
      format: "wav",
      mime_type: "audio/wav",
      sample_rate: 8000,
      channels: 1,
      duration: 0.5,
      file_size: file.bytes.length,
    });
  });

  it("completes a text generation whose stored file is the text", async () => {
    const done = await generate(owner, {
      boardId,
      generatorName: "text-from-prompt",
      artifactType: "TEXT",
      inputParams: { prompt: "hello pipeline", style: "uppercase" },
    });
    expect(done.artifactType).toBe("TEXT");
    const file = await download(done.storageUrl!);
    expect(file.status).toBe(200);
    expect(file.contentType).toMatch(/^text\/plain/);
    expect(file.bytes.toString("utf8")).toBe("HELLO PIPELINE");
    expect(done.outputMetadata).toMatchObject({ format: "plain", content: "HELLO PIPELINE", file_size: file.bytes.length });
  });

  it("refuses to cancel a completed generation (CONFLICT) and leaves it completed", async () => {
    const done = await generate(owner, imageInput(boardId, { prompt: "finished", width: 16, height: 16 }));
    const result = await owner.gql(`mutation($id: UUID!) { cancelGeneration(id: $id) { id status } }`, { id: done.id });
    expectError(result, "CONFLICT", /status 'completed'/);
    const after = await readGeneration(owner, done.id);
    expect(after).toMatchObject({ status: "COMPLETED", progress: 100, errorMessage: null });
    expect(after?.storageUrl?.split("?")[0]).toBe(done.storageUrl!.split("?")[0]);
    expect((await download(done.storageUrl!)).status).toBe(200);
  });
});

describe("createGeneration refusals", () => {
  let tenant: TenantHandle;
  let owner: Actor;
  let viewer: Actor;
  let boardId: string;
  let foreignBoardId: string;

  beforeAll(async () => {
    tenant = await newTenant(quiet);
    owner = await tenant.user("owner");
    viewer = await tenant.user("viewer");
    boardId = await createBoard(owner, { title: "Refusals" });
    await addBoardMember(owner, boardId, viewer.id, "VIEWER");
    const other = await newTenant(quiet);
    foreignBoardId = await createBoard(await other.user("owner"), { title: "Foreign" });
  });

  /** Runs a submit that must be refused and checks it left no generation row and no job behind. */
  async function refused(caller: Caller, input: SubmitInput): Promise<GqlResult> {
    const rowsBefore = await quiet.prisma.generation.count();
    const jobsBefore = await jobCount(quiet);
    const result = await tryCreateGeneration(caller, input);
    expect(result.data?.createGeneration ?? null).toBeNull();
    expect(await quiet.prisma.generation.count()).toBe(rowsBefore);
    expect(await jobCount(quiet)).toBe(jobsBefore);
    return result;
  }

  it("a valid submit leaves exactly one generation row and one job for it (the refusals below leave none)", async () => {
    const jobsBefore = await jobCount(quiet);
    const created = await submitGeneration(owner, imageInput(boardId, { prompt: "control" }));
    expect(await quiet.prisma.generation.count({ where: { boardId } })).toBe(1);
    expect(await jobCount(quiet)).toBe(jobsBefore + 1);
    const jobs = await quiet.prisma.$queryRaw<Array<{ key: string | null; task: string }>>`
      SELECT key, task_identifier AS task FROM graphile_worker.jobs`;
    expect(jobs).toContainEqual({ key: `generation:${created.id}`, task: "run_generation" });
  });

  it("anonymous callers are UNAUTHENTICATED", async () => {
    const result = await refused(tenant.anonymous, imageInput(boardId, { prompt: "x" }));
    expectError(result, "UNAUTHENTICATED", "Authentication required to create a generation");
  });

  it("board viewers are FORBIDDEN", async () => {
    const result = await refused(viewer, imageInput(boardId, { prompt: "x" }));
    expectError(result, "FORBIDDEN", "Permission denied: only board owner or editor can create generations");
  });

  it("another tenant's board and an unknown board are NOT_FOUND", async () => {
    expectError(await refused(owner, imageInput(foreignBoardId, { prompt: "x" })), "NOT_FOUND", "Board not found");
    expectError(await refused(owner, imageInput(UNKNOWN_ID, { prompt: "x" })), "NOT_FOUND", "Board not found");
  });

  it("an unknown generator is BAD_USER_INPUT on generatorName", async () => {
    const result = await refused(owner, { ...imageInput(boardId, { prompt: "x" }), generatorName: "no-such-generator" });
    expectError(result, "BAD_USER_INPUT", "Unknown generator: no-such-generator");
    expect(fieldErrors(result).map((e) => e.field)).toEqual(["generatorName"]);
  });

  it("an artifact type other than the generator's is BAD_USER_INPUT on artifactType", async () => {
    const result = await refused(owner, { ...imageInput(boardId, { prompt: "x" }), artifactType: "AUDIO" });
    expectError(result, "BAD_USER_INPUT");
    expect(fieldErrors(result).map((e) => e.field)).toEqual(["artifactType"]);
    const text = await refused(owner, { boardId, generatorName: "text-from-prompt", artifactType: "IMAGE", inputParams: { prompt: "x" } });
    expect(fieldErrors(text).map((e) => e.field)).toEqual(["artifactType"]);
  });

  it.each<[string, string, string, Record<string, unknown>, string[]]>([
    ["a missing prompt", "image-from-prompt", "IMAGE", { width: 64 }, ["inputParams.prompt"]],
    ["an empty prompt", "image-from-prompt", "IMAGE", { prompt: "" }, ["inputParams.prompt"]],
    ["a width above the maximum", "image-from-prompt", "IMAGE", { prompt: "x", width: 4096 }, ["inputParams.width"]],
    ["a width below the minimum", "image-from-prompt", "IMAGE", { prompt: "x", width: 8 }, ["inputParams.width"]],
    ["a fractional width", "image-from-prompt", "IMAGE", { prompt: "x", width: 64.5 }, ["inputParams.width"]],
    ["a width of the wrong type", "image-from-prompt", "IMAGE", { prompt: "x", width: "wide" }, ["inputParams.width"]],
    ["a prompt of the wrong type", "image-from-prompt", "IMAGE", { prompt: 42 }, ["inputParams.prompt"]],
    ["too many images", "image-from-prompt", "IMAGE", { prompt: "x", num_images: 5 }, ["inputParams.num_images"]],
    ["an unknown enum value", "text-from-prompt", "TEXT", { prompt: "x", style: "poem" }, ["inputParams.style"]],
    ["a sample rate out of range", "audio-tone", "AUDIO", { prompt: "x", sample_rate: 100 }, ["inputParams.sample_rate"]],
    ["several problems at once", "image-from-prompt", "IMAGE", { width: 1, height: "tall" }, ["inputParams.height", "inputParams.prompt", "inputParams.width"]],
  ])("%s is BAD_USER_INPUT with a field error per problem", async (_label, generatorName, artifactType, inputParams, fields) => {
    const result = await refused(owner, { boardId, generatorName, artifactType, inputParams });
    expectError(result, "BAD_USER_INPUT");
    const errors = fieldErrors(result);
    expect(errors.map((e) => e.field).sort()).toEqual(fields);
    for (const error of errors) expect(error.message).toEqual(expect.any(String));
    for (const error of errors) expect(error.message.length).toBeGreaterThan(0);
  });

  it.each<[string, unknown]>([
    ["a string", "a red fox"],
    ["a number", 42],
    ["an array", [{ prompt: "a red fox" }]],
  ])("inputParams that is %s is BAD_USER_INPUT on inputParams", async (_label, inputParams) => {
    const result = await refused(owner, { ...imageInput(boardId, {}), inputParams });
    expectError(result, "BAD_USER_INPUT");
    expect(fieldErrors(result).map((e) => e.field)).toEqual(["inputParams"]);
  });

  it("inputParams over 256 KiB is BAD_USER_INPUT on inputParams", async () => {
    const result = await refused(owner, imageInput(boardId, { prompt: "x", padding: "a".repeat(257 * 1024) }));
    expectError(result, "BAD_USER_INPUT");
    expect(fieldErrors(result).map((e) => e.field)).toEqual(["inputParams"]);
  });

  it("metadata that is not an object is BAD_USER_INPUT on metadata", async () => {
    const result = await refused(owner, { ...imageInput(boardId, { prompt: "x" }), metadata: ["not", "an", "object"] });
    expectError(result, "BAD_USER_INPUT");
    expect(fieldErrors(result).map((e) => e.field)).toEqual(["metadata"]);
  });
});

type TreeNode = { depth: number; role: string | null; generation: { id: string }; parents?: TreeNode[]; children?: TreeNode[] };
type Tree = { id: string; depth: number; role: string | null; next: Tree[] };

const nodeFields = (link: "parents" | "children", levels: number): string =>
  `depth role generation { id }${levels > 0 ? ` ${link} { ${nodeFields(link, levels - 1)} }` : ""}`;

function compact(node: TreeNode): Tree {
  const next = node.parents ?? node.children ?? [];
  return { id: node.generation.id, depth: node.depth, role: node.role, next: next.map(compact) };
}

/** `ancestry` / `descendants` of a generation as the caller sees them (three levels deep). */
async function lineage(caller: Caller, id: string, direction: "ancestry" | "descendants", maxDepth: number): Promise<Tree> {
  const link = direction === "ancestry" ? "parents" : "children";
  const data = await caller.ok<{ generation: Record<string, TreeNode> | null }>(
    `query($id: UUID!, $depth: Int!) { generation(id: $id) { tree: ${direction}(maxDepth: $depth) { ${nodeFields(link, 3)} } } }`,
    { id, depth: maxDepth },
  );
  expect(data.generation).not.toBeNull();
  return compact(data.generation!.tree!);
}

const leaf = (id: string, depth: number, role: string | null): Tree => ({ id, depth, role, next: [] });

describe("artifact inputs", () => {
  let tenant: TenantHandle;
  let owner: Actor;
  let editor: Actor;
  let workBoard: string;
  let hiddenBoard: string;
  let source: GenerationView;
  let sourcePng: { bytes: Buffer; width: number; height: number };

  beforeAll(async () => {
    tenant = await newTenant(server);
    owner = await tenant.user("owner");
    editor = await tenant.user("editor");
    workBoard = await createBoard(owner, { title: "Work" });
    hiddenBoard = await createBoard(owner, { title: "Hidden" });
    await addBoardMember(owner, workBoard, editor.id, "EDITOR");
    source = await generate(owner, imageInput(workBoard, { prompt: "a lighthouse", width: 40, height: 24 }));
    sourcePng = await downloadPng(source.storageUrl);
  });

  /** Submits a transform that must be refused with one field error on `image`, leaving no row. */
  async function refusedInput(caller: Actor, image: unknown): Promise<string> {
    const before = await server.prisma.generation.count({ where: { boardId: workBoard } });
    const result = await tryCreateGeneration(caller, transformInput(workBoard, image));
    expectError(result, "BAD_USER_INPUT");
    const errors = fieldErrors(result);
    expect(errors.map((e) => e.field)).toEqual(["inputParams.image"]);
    expect(await server.prisma.generation.count({ where: { boardId: workBoard } })).toBe(before);
    return errors[0]!.message;
  }

  it("refuses an id of no generation", async () => {
    const id = randomUUID();
    expect(await refusedInput(editor, id)).toBe(`Generation ${id} not found`);
  });

  it("refuses a value that is not a generation id", async () => {
    expect(await refusedInput(editor, "not-an-id")).toEqual(expect.any(String));
    expect(await refusedInput(editor, { generation_id: source.id, storage_url: source.storageUrl, format: "png" })).toEqual(expect.any(String));
  });

  it("refuses a generation that is not completed", async () => {
    const pending = await addGeneration(server, workBoard, owner.id, { status: "PENDING", progress: 0, storageUrl: null, outputMetadata: {} });
    expect(await refusedInput(editor, pending.id)).toBe(`Generation ${pending.id} is not completed (status: pending)`);
  });

  it("refuses a generation of another artifact type", async () => {
    const tone = await generate(owner, {
      boardId: workBoard,
      generatorName: "audio-tone",
      artifactType: "AUDIO",
      inputParams: { prompt: "beep", duration_seconds: 0.1, sample_rate: 8000 },
    });
    expect(await refusedInput(editor, tone.id)).toBe(`Generation ${tone.id} has wrong artifact type: expected image, got audio`);
  });

  it("refuses another tenant's generation as if it did not exist", async () => {
    const other = await newTenant(server);
    const stranger = await other.user("owner");
    const foreign = await addGeneration(server, await createBoard(stranger, { title: "Theirs", isPublic: true }), stranger.id);
    expect(await refusedInput(editor, foreign.id)).toBe(`Generation ${foreign.id} not found`);
  });

  it("refuses a generation on a private board the caller cannot read, though its owner may use it", async () => {
    const hidden = await addGeneration(server, hiddenBoard, owner.id);
    expect(await refusedInput(editor, hidden.id)).toBe(`Generation ${hidden.id} not found`);
  });

  it("transforms a completed image: lineage recorded, a PNG of the same size, linked both ways", async () => {
    const queued = await submitGeneration(editor, transformInput(workBoard, source.id, { operation: "flip" }));
    expect(queued.inputParams).toMatchObject({ image: source.id, operation: "flip" });
    expect(queued.inputArtifacts).toEqual([{ generationId: source.id, role: "image", artifactType: "IMAGE", generation: { id: source.id } }]);

    const done = await awaitCompleted(editor, queued.id);
    expect(done.userId).toBe(editor.id);
    expect(done.inputArtifacts).toEqual(queued.inputArtifacts);
    const png = await downloadPng(done.storageUrl);
    expect({ width: png.width, height: png.height }).toEqual({ width: sourcePng.width, height: sourcePng.height });
    expect(png.bytes.equals(sourcePng.bytes)).toBe(false);
    expect(done.outputMetadata).toMatchObject({ format: "png", width: 40, height: 24, file_size: png.bytes.length });

    expect(await lineage(editor, done.id, "ancestry", 25)).toEqual({ ...leaf(done.id, 0, null), next: [leaf(source.id, 1, "image")] });
    expect(await lineage(editor, source.id, "descendants", 25)).toEqual({ ...leaf(source.id, 0, null), next: [leaf(done.id, 1, "image")] });
    expect(await lineage(editor, done.id, "ancestry", 0)).toEqual(leaf(done.id, 0, null));
    expect(await lineage(editor, source.id, "descendants", 0)).toEqual(leaf(source.id, 0, null));

    for (const direction of ["ancestry", "descendants"]) {
      for (const maxDepth of [-1, 51]) {
        const result = await editor.gql(`query($id: UUID!, $d: Int!) { generation(id: $id) { ${direction}(maxDepth: $d) { depth } } }`, {
          id: done.id,
          d: maxDepth,
        });
        expectError(result, "BAD_USER_INPUT");
      }
    }
  });

  it("leaves generations the caller may not read out of ancestry and descendants", async () => {
    // hidden → middle → last, made by the owner; the editor can read only `middle`.
    const hidden = await generate(owner, imageInput(hiddenBoard, { prompt: "secret", width: 16, height: 16 }));
    const middle = await generate(owner, transformInput(workBoard, hidden.id, { operation: "mirror" }));
    const last = await generate(owner, transformInput(hiddenBoard, middle.id, { operation: "invert" }));

    expect(await lineage(owner, last.id, "ancestry", 25)).toEqual({
      ...leaf(last.id, 0, null),
      next: [{ ...leaf(middle.id, 1, "image"), next: [leaf(hidden.id, 2, "image")] }],
    });
    expect(await lineage(owner, last.id, "ancestry", 1)).toEqual({ ...leaf(last.id, 0, null), next: [leaf(middle.id, 1, "image")] });
    expect(await lineage(owner, hidden.id, "descendants", 25)).toEqual({
      ...leaf(hidden.id, 0, null),
      next: [{ ...leaf(middle.id, 1, "image"), next: [leaf(last.id, 2, "image")] }],
    });

    expect(await lineage(editor, middle.id, "ancestry", 25)).toEqual(leaf(middle.id, 0, null));
    expect(await lineage(editor, middle.id, "descendants", 25)).toEqual(leaf(middle.id, 0, null));
    // The lineage entry is still listed, without the generation the editor may not read.
    const seen = await readGeneration(editor, middle.id);
    expect(seen?.inputArtifacts).toEqual([{ generationId: hidden.id, role: "image", artifactType: "IMAGE", generation: null }]);
  });

  it("retrying a transform resolves its input again and records the same lineage", async () => {
    const first = await generate(owner, transformInput(workBoard, source.id, { operation: "grayscale" }));
    const retried = (await editor.ok<{ retryGeneration: GenerationView }>(`mutation($id: UUID!) { retryGeneration(id: $id) { ${GENERATION_FIELDS} } }`, { id: first.id }))
      .retryGeneration;
    expect(retried.inputParams).toEqual(first.inputParams);
    expect(retried.inputArtifacts).toEqual(first.inputArtifacts);
    const done = await awaitCompleted(editor, retried.id);
    expect((await downloadPng(done.storageUrl)).bytes.equals((await downloadPng(first.storageUrl)).bytes)).toBe(true);
  });
});

describe("lineage of stored generations", () => {
  it("follows several levels and several roles, honours maxDepth, and skips unreadable branches", async () => {
    const tenant = await newTenant(server);
    const owner = await tenant.user("owner");
    const viewer = await tenant.user("viewer");
    const open = await createBoard(owner, { title: "Open" });
    const closed = await createBoard(owner, { title: "Closed" });
    await addBoardMember(owner, open, viewer.id, "VIEWER");
    const entry = (id: string, role: string) => ({ generation_id: id, role, artifact_type: "image" });

    const a = await addGeneration(server, open, owner.id);
    const b = await addGeneration(server, closed, owner.id);
    const c = await addGeneration(server, open, owner.id, { inputArtifacts: [entry(a.id, "image"), entry(b.id, "mask")] });
    const d = await addGeneration(server, open, owner.id, { inputArtifacts: [entry(c.id, "reference")] });

    const cTree = (depth: number, role: string | null, withParents: boolean): Tree => ({
      ...leaf(c.id, depth, role),
      next: withParents ? [leaf(a.id, depth + 1, "image"), leaf(b.id, depth + 1, "mask")].sort((x, y) => x.id.localeCompare(y.id)) : [],
    });
    const sortTree = (t: Tree): Tree => ({ ...t, next: t.next.map(sortTree).sort((x, y) => x.id.localeCompare(y.id)) });

    expect(sortTree(await lineage(owner, d.id, "ancestry", 25))).toEqual({ ...leaf(d.id, 0, null), next: [cTree(1, "reference", true)] });
    expect(await lineage(owner, d.id, "ancestry", 1)).toEqual({ ...leaf(d.id, 0, null), next: [cTree(1, "reference", false)] });
    expect(await lineage(owner, b.id, "descendants", 25)).toEqual({
      ...leaf(b.id, 0, null),
      next: [{ ...leaf(c.id, 1, "mask"), next: [leaf(d.id, 2, "reference")] }],
    });

    // The viewer cannot read the closed board: `b` is left out, the rest is intact.
    expect(await lineage(viewer, d.id, "ancestry", 25)).toEqual({
      ...leaf(d.id, 0, null),
      next: [{ ...leaf(c.id, 1, "reference"), next: [leaf(a.id, 2, "image")] }],
    });
    expect(await lineage(viewer, a.id, "descendants", 25)).toEqual({
      ...leaf(a.id, 0, null),
      next: [{ ...leaf(c.id, 1, "image"), next: [leaf(d.id, 2, "reference")] }],
    });
  });
});

describe("batch outputs", () => {
  it("num_images 3 completes the requested generation and two siblings, each with its own file", async () => {
    const tenant = await newTenant(server);
    const owner = await tenant.user("owner");
    const boardId = await createBoard(owner, { title: "Batch" });
    const primary = await generate(owner, imageInput(boardId, { prompt: "three owls", width: 32, height: 24, num_images: 3 }));
    expect(primary.outputMetadata).toMatchObject({ batch_id: primary.id, batch_index: 0, batch_size: 3 });

    const listed = await owner.ok<{ generations: Array<{ id: string }> }>(`query($b: UUID!) { generations(boardId: $b) { id } }`, { b: boardId });
    expect(listed.generations).toHaveLength(3);
    const siblingIds = listed.generations.map((g) => g.id).filter((id) => id !== primary.id);
    expect(siblingIds).toHaveLength(2);
    const siblings = await Promise.all(siblingIds.map((id) => awaitCompleted(owner, id)));

    const all = [primary, ...siblings].sort((x, y) => Number(x.outputMetadata.batch_index) - Number(y.outputMetadata.batch_index));
    expect(all.map((g) => g.outputMetadata.batch_index)).toEqual([0, 1, 2]);
    const files: Buffer[] = [];
    for (const g of all) {
      expect(g).toMatchObject({
        status: "COMPLETED",
        progress: 100,
        boardId,
        userId: owner.id,
        generatorName: "image-from-prompt",
        artifactType: "IMAGE",
        inputParams: primary.inputParams,
      });
      expect(g.outputMetadata).toMatchObject({ batch_id: primary.id, batch_size: 3, format: "png", width: 32, height: 24, generation_id: g.id });
      const png = await downloadPng(g.storageUrl);
      expect({ width: png.width, height: png.height }).toEqual({ width: 32, height: 24 });
      expect(g.outputMetadata.file_size).toBe(png.bytes.length);
      files.push(png.bytes);
    }
    expect(new Set(all.map((g) => g.storageUrl)).size).toBe(3);
    expect(files[0]!.equals(files[1]!) || files[0]!.equals(files[2]!) || files[1]!.equals(files[2]!)).toBe(false);
  });
});

describe("retryGeneration and regenerate", () => {
  let tenant: TenantHandle;
  let owner: Actor;
  let editor: Actor;
  let viewer: Actor;
  let boardId: string;
  let original: GenerationView;
  let originalBytes: Buffer;

  beforeAll(async () => {
    tenant = await newTenant(server);
    owner = await tenant.user("owner");
    editor = await tenant.user("editor");
    viewer = await tenant.user("viewer");
    boardId = await createBoard(owner, { title: "Again" });
    await addBoardMember(owner, boardId, editor.id, "EDITOR");
    await addBoardMember(owner, boardId, viewer.id, "VIEWER");
    original = await generate(owner, { ...imageInput(boardId, { prompt: "same again", width: 24, height: 24, seed: 3 }), metadata: { take: 1 } });
    originalBytes = (await downloadPng(original.storageUrl)).bytes;
  });

  it.each(["retryGeneration", "regenerate"])("%s runs a new generation with the same inputs for the caller and leaves the original alone", async (mutation) => {
    const data = await editor.ok<Record<string, GenerationView>>(`mutation($id: UUID!) { ${mutation}(id: $id) { ${GENERATION_FIELDS} } }`, { id: original.id });
    const again = data[mutation]!;
    expect(again.id).not.toBe(original.id);
    expect(again).toMatchObject({
      boardId,
      tenantId: tenant.id,
      userId: editor.id,
      generatorName: original.generatorName,
      artifactType: original.artifactType,
      inputParams: original.inputParams,
      metadata: original.metadata,
      status: "PENDING",
      storageUrl: null,
    });
    const done = await awaitCompleted(editor, again.id);
    const png = await downloadPng(done.storageUrl);
    expect(done.storageUrl).not.toBe(original.storageUrl);
    // Same inputs to a deterministic generator: the same picture.
    expect(png.bytes.equals(originalBytes)).toBe(true);

    expect(await readGeneration(owner, original.id)).toEqual(original);
    expect((await download(original.storageUrl!)).bytes.equals(originalBytes)).toBe(true);
  });

  it("is NOT_FOUND for an unknown id and for another tenant's generation", async () => {
    const other = await newTenant(server);
    const stranger = await other.user("owner");
    const foreign = await addGeneration(server, await createBoard(stranger, { title: "Theirs", isPublic: true }), stranger.id);
    for (const mutation of ["retryGeneration", "regenerate"]) {
      for (const id of [UNKNOWN_ID, foreign.id]) {
        expectError(await owner.gql(`mutation($id: UUID!) { ${mutation}(id: $id) { id } }`, { id }), "NOT_FOUND");
      }
    }
    expect(await server.prisma.generation.count({ where: { boardId: foreign.boardId } })).toBe(1);
  });

  it("is FORBIDDEN for a viewer and UNAUTHENTICATED for anonymous callers", async () => {
    const before = await server.prisma.generation.count({ where: { boardId } });
    expectError(await viewer.gql(`mutation($id: UUID!) { retryGeneration(id: $id) { id } }`, { id: original.id }), "FORBIDDEN");
    expectError(await tenant.anonymous.gql(`mutation($id: UUID!) { regenerate(id: $id) { id } }`, { id: original.id }), "UNAUTHENTICATED");
    expect(await server.prisma.generation.count({ where: { boardId } })).toBe(before);
  });
});

describe("deleteGeneration", () => {
  const DELETE = `mutation($id: UUID!) { deleteGeneration(id: $id) }`;

  it("removes the generation, its tag links and its stored file", async () => {
    const tenant = await newTenant(server);
    const owner = await tenant.user("owner");
    const boardId = await createBoard(owner, { title: "Doomed" });
    const done = await generate(owner, imageInput(boardId, { prompt: "ephemeral", width: 16, height: 16 }));
    const tag = await createTag(owner, { name: "keep me" });
    await owner.ok(`mutation($g: UUID!, $t: UUID!) { addTagToGeneration(generationId: $g, tagId: $t) { id } }`, { g: done.id, t: tag.id });
    expect(await server.prisma.generationTag.count({ where: { generationId: done.id } })).toBe(1);
    expect((await download(done.storageUrl!)).status).toBe(200);

    expect(expectData(await owner.gql<{ deleteGeneration: boolean }>(DELETE, { id: done.id })).deleteGeneration).toBe(true);

    expect(await readGeneration(owner, done.id)).toBeNull();
    expect(await server.prisma.generation.findUnique({ where: { id: done.id } })).toBeNull();
    expect(await server.prisma.generationTag.count({ where: { generationId: done.id } })).toBe(0);
    expect((await owner.ok<{ tag: { id: string } | null }>(`query($id: UUID!) { tag(id: $id) { id } }`, { id: tag.id })).tag).toEqual({ id: tag.id });
    expect((await download(done.storageUrl!)).status).toBe(404);
    // Deleted is deleted: a second attempt finds nothing.
    expectError(await owner.gql(DELETE, { id: done.id }), "NOT_FOUND");
  });

  describe("permissions", () => {
    let tenant: TenantHandle;
    let owner: Actor;
    let admin: Actor;
    let editor: Actor;
    let viewer: Actor;
    let stranger: Actor;
    let boardId: string;
    beforeAll(async () => {
      ({ tenant, owner, admin, editor, viewer, stranger, boardId } = await boardWithEveryRole(server, "Shared"));
    });

    const exists = async (id: string) => (await server.prisma.generation.findUnique({ where: { id } })) !== null;

    async function deletes(actor: Actor, id: string) {
      expect(expectData(await actor.gql<{ deleteGeneration: boolean }>(DELETE, { id })).deleteGeneration).toBe(true);
      expect(await exists(id)).toBe(false);
    }

    async function refuses(caller: Caller, id: string, code: string) {
      expectError(await caller.gql(DELETE, { id }), code);
      expect(await exists(id)).toBe(true);
    }

    it("the board owner may delete anyone's generation", async () => {
      await deletes(owner, (await addGeneration(server, boardId, editor.id)).id);
      await deletes(owner, (await addGeneration(server, boardId, owner.id)).id);
    });

    it("editors and admins may delete their own generations only", async () => {
      const ownersGen = (await addGeneration(server, boardId, owner.id)).id;
      await refuses(editor, ownersGen, "FORBIDDEN");
      await refuses(admin, ownersGen, "FORBIDDEN");
      await refuses(editor, (await addGeneration(server, boardId, admin.id)).id, "FORBIDDEN");
      await deletes(editor, (await addGeneration(server, boardId, editor.id)).id);
      await deletes(admin, (await addGeneration(server, boardId, admin.id)).id);
    });

    it("viewers may delete nothing, not even a generation under their own name", async () => {
      await refuses(viewer, (await addGeneration(server, boardId, owner.id)).id, "FORBIDDEN");
      await refuses(viewer, (await addGeneration(server, boardId, viewer.id)).id, "FORBIDDEN");
    });

    it("is NOT_FOUND for non-members of a private board, other tenants and unknown ids; UNAUTHENTICATED for anonymous callers", async () => {
      const gen = (await addGeneration(server, boardId, owner.id)).id;
      await refuses(stranger, gen, "NOT_FOUND");
      const other = await newTenant(server);
      await refuses(await other.user("owner"), gen, "NOT_FOUND");
      await refuses(tenant.anonymous, gen, "UNAUTHENTICATED");
      expectError(await owner.gql(DELETE, { id: UNKNOWN_ID }), "NOT_FOUND");
    });
  });
});

type JsonSchema = {
  type?: string;
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  default?: unknown;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
};
type GeneratorView = { name: string; description: string; artifactType: string; inputSchema: JsonSchema };

describe("generators query", () => {
  let user: Actor;
  beforeAll(async () => {
    user = await (await newTenant(quiet)).user("alice");
  });

  async function generators(artifactType?: string | null): Promise<GeneratorView[]> {
    const data = await user.ok<{ generators: GeneratorView[] }>(
      `query($t: String) { generators(artifactType: $t) { name description artifactType inputSchema } }`,
      artifactType === undefined ? {} : { t: artifactType },
    );
    return data.generators;
  }

  it("lists every built-in generator with its artifact type and description", async () => {
    const all = await generators();
    expect(all.map((g) => [g.name, g.artifactType])).toEqual([
      ["audio-tone", "AUDIO"],
      ["image-from-prompt", "IMAGE"],
      ["image-transform", "IMAGE"],
      ["text-from-prompt", "TEXT"],
    ]);
    for (const g of all) expect(g.description.length).toBeGreaterThan(0);
    expect((await generators(null)).map((g) => g.name)).toEqual(all.map((g) => g.name));
  });

  it("filters by a lowercase artifact type; an unknown or unused type lists nothing", async () => {
    expect((await generators("image")).map((g) => g.name)).toEqual(["image-from-prompt", "image-transform"]);
    expect((await generators("audio")).map((g) => g.name)).toEqual(["audio-tone"]);
    expect((await generators("text")).map((g) => g.name)).toEqual(["text-from-prompt"]);
    expect(await generators("video")).toEqual([]);
    expect(await generators("hologram")).toEqual([]);
  });

  it("describes inputs as a JSON Schema object with enums, bounds, defaults, descriptions and required fields", async () => {
    const byName = new Map((await generators()).map((g) => [g.name, g.inputSchema]));
    const image = byName.get("image-from-prompt")!;
    expect(image.type).toBe("object");
    expect(image.required).toEqual(["prompt"]);
    expect(image.properties?.prompt).toMatchObject({ type: "string", description: expect.any(String) });
    expect(image.properties?.width).toMatchObject({ type: "integer", minimum: 16, maximum: 2048, default: 512, description: "Width in pixels" });
    expect(image.properties?.num_images).toMatchObject({ type: "integer", minimum: 1, maximum: 4, default: 1 });
    expect(image.properties?.seed).toMatchObject({ type: "integer" });
    expect(image.properties?.seed).not.toHaveProperty("default");

    const text = byName.get("text-from-prompt")!;
    expect(text.properties?.style).toMatchObject({ type: "string", enum: ["echo", "uppercase", "story"], default: "story" });
    expect(text.required).toEqual(["prompt"]);

    const audio = byName.get("audio-tone")!;
    expect(audio.properties?.sample_rate).toMatchObject({ type: "integer", minimum: 8000, maximum: 48000, default: 22050 });
  });

  it("shows artifact inputs as $ref to #/$defs/ImageArtifact", async () => {
    const schema = (await generators("image")).find((g) => g.name === "image-transform")!.inputSchema;
    expect(schema.type).toBe("object");
    expect(schema.properties?.image?.$ref).toBe("#/$defs/ImageArtifact");
    expect(schema.required).toContain("image");
    expect(schema.properties?.operation).toMatchObject({ type: "string", enum: ["invert", "grayscale", "blur", "flip", "mirror"], default: "invert" });
    const def = schema.$defs?.ImageArtifact;
    expect(def?.type).toBe("object");
    expect(Object.keys(def?.properties ?? {})).toEqual(expect.arrayContaining(["generation_id", "storage_url", "format", "width", "height"]));
    expect(def?.required).toEqual(expect.arrayContaining(["generation_id", "storage_url", "format"]));
  });
});
