/**
 * Boards' provider generators over real HTTP against real Postgres: `generators` lists them only
 * when their provider has a key (or the config says `list_unconfigured`), exactly as Boards
 * serves them; submitting one without its key is FAILED_PRECONDITION naming the variable, before
 * anything is written; `estimateCost` and `GeneratorInfo.estimatedCost` give Boards' own prices
 * (tests/fixtures/boards-generator-runs.json); and a submission records its estimate.
 *
 * Keys here are fakes: adapters are created from them without any network call, and no worker
 * runs, so nothing queued ever reaches a provider.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { artifactFields } from "../src/generators/declarative/artifactFields.js";
import { loadCatalogue } from "../src/generators/declarative/catalogue.js";
import { declaredGenerator, type Generator } from "../src/generators/Generator.js";
import type { Runtime } from "../src/runtime.js";
import { expectData, expectError, newTenant, type Actor } from "./helpers/actors.js";
import type { ThrowawayDatabase } from "./helpers/database.js";
import { suiteDatabase } from "./helpers/faultHarness.js";
import { jobCount, submitGeneration, tryCreateGeneration } from "./helpers/pipeline.js";
import { startServer, type GqlResult, type TestServer } from "./helpers/server.js";
import { addGeneration, createBoard, fieldErrors } from "./helpers/taggingFixtures.js";

type BoardsGenerator = { name: string; provider: string; artifactType: string; description: string; inputSchema: Record<string, unknown> };
type Run = { label: string; inputs: Record<string, unknown>; invalid?: string; cost?: number };

const fixtures = new URL("./fixtures/", import.meta.url);
const boards = JSON.parse(readFileSync(new URL("boards-generators.json", fixtures), "utf8")) as BoardsGenerator[];
const runs = (JSON.parse(readFileSync(new URL("boards-generator-runs.json", fixtures), "utf8")) as { generators: Record<string, Run[]> }).generators;
const BUILTINS = ["audio-tone", "image-from-prompt", "image-transform", "text-from-prompt"];
const PRICED = fileURLToPath(new URL("./fixtures/generators/priced-builtins.yaml", import.meta.url));
const FAKE_KEYS = { FAL_KEY: "test-fal-key", REPLICATE_API_TOKEN: "test-replicate-key", OPENAI_API_KEY: "test-openai-key", KIE_API_KEY: "test-kie-key" };

type Listed = { name: string; description: string; artifactType: string; inputSchema: unknown };
const LIST = `{ generators { name description artifactType inputSchema } }`;
const ESTIMATE = `query($name: String!, $params: JSON!) { estimateCost(generatorName: $name, inputParams: $params) }`;
const COST_OF = `query($id: UUID!) { generation(id: $id) { estimatedCost } }`;

let database: ThrowawayDatabase;
let configDir: string;
/** No provider keys. */
let bare: TestServer;
/** FAL_KEY only. */
let falOnly: TestServer;
/** All four providers: fal by its variable, the others through BOARDS_GENERATOR_API_KEYS; priced built-ins. */
let keyed: TestServer;
/** No keys, and a config file with `list_unconfigured: true`. */
let listAll: TestServer;
/** FAL_KEY, two generators whose cost formulas fail, and a log the suite can read. */
let broken: TestServer;
const logLines: Array<{ level: number; msg: string; generator?: string; err?: { message: string } }> = [];

/** A fal generator whose formula reads the prompt as a number, and a code generator whose estimate throws. */
function withBrokenFormulas(runtime: Runtime): Runtime {
  const flux = loadCatalogue().find((d) => d.name === "fal-flux-2")!;
  runtime.generators.register(declaredGenerator({ ...flux, name: "broken-cost-image", cost: { number: "prompt" } }));
  const text: Generator = {
    name: "broken-cost-text",
    artifactType: "text",
    description: "Its cost formula always fails.",
    inputSchema: z.object({ prompt: z.string() }),
    estimateCost: () => {
      throw new Error("formula bug");
    },
    generate: () => Promise.resolve(),
  };
  runtime.generators.register(text);
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(JSON.parse(chunk.toString("utf8")) as (typeof logLines)[number]);
      done();
    },
  });
  return { ...runtime, logger: pino({ level: "warn" }, sink) };
}

beforeAll(async () => {
  database = await suiteDatabase("provider_catalogue");
  configDir = await mkdtemp(join(tmpdir(), "boards-provider-catalogue-"));
  const configPath = join(configDir, "generators.yaml");
  await writeFile(configPath, "list_unconfigured: true\n");
  const db = { BOARDS_DATABASE_URL: database.url };
  const { FAL_KEY, ...others } = FAKE_KEYS;
  [bare, falOnly, keyed, listAll, broken] = await Promise.all([
    startServer(db),
    startServer({ ...db, FAL_KEY }),
    // The built-ins priced by a generators file (they are free otherwise).
    startServer({ ...db, FAL_KEY, BOARDS_GENERATOR_API_KEYS: JSON.stringify(others), BOARDS_GENERATORS_CONFIG_PATH: PRICED }),
    startServer({ ...db, BOARDS_GENERATORS_CONFIG_PATH: configPath }),
    startServer({ ...db, FAL_KEY }, { override: withBrokenFormulas }),
  ]);
});

afterAll(async () => {
  await Promise.all([bare?.close(), falOnly?.close(), keyed?.close(), listAll?.close(), broken?.close()]);
  await database?.drop();
  if (configDir) await rm(configDir, { recursive: true, force: true });
});

async function listed(server: TestServer): Promise<Listed[]> {
  return expectData(await server.gql<{ generators: Listed[] }>(LIST)).generators;
}

describe("generators", () => {
  it("lists only the built-ins when no provider has a key", async () => {
    expect((await listed(bare)).map((g) => g.name)).toEqual(BUILTINS);
  });

  it("with FAL_KEY only, lists the 86 fal generators beside the built-ins", async () => {
    const fal = boards.filter((b) => b.provider === "fal").map((b) => b.name);
    expect(fal).toHaveLength(86);
    const names = (await listed(falOnly)).map((g) => g.name);
    expect([...names].sort()).toEqual([...fal, ...BUILTINS].sort());
  });

  it("with every key, lists all 98 exactly as Boards serves them", async () => {
    const byName = new Map((await listed(keyed)).map((g) => [g.name, g]));
    expect([...byName.keys()].sort()).toEqual([...boards.map((b) => b.name), ...BUILTINS].sort());
    expect(boards).toHaveLength(98);
    for (const b of boards) {
      expect(byName.get(b.name), b.name).toEqual({ name: b.name, description: b.description, artifactType: b.artifactType.toUpperCase(), inputSchema: b.inputSchema });
    }
  });

  it("lists them without keys when the config says list_unconfigured", async () => {
    const names = (await listed(listAll)).map((g) => g.name);
    expect([...names].sort()).toEqual([...boards.map((b) => b.name), ...BUILTINS].sort());
  });
});

describe("submitting without the provider's key", () => {
  let owner: Actor;
  let boardId: string;
  beforeAll(async () => {
    owner = await (await newTenant(bare)).user("owner");
    boardId = await createBoard(owner);
  });

  const rowsOnBoard = () => bare.prisma.generation.count({ where: { boardId } });

  it("createGeneration is FAILED_PRECONDITION naming the variable, and writes nothing", async () => {
    const [rowsBefore, jobsBefore] = [await rowsOnBoard(), await jobCount(bare)];
    const result = await tryCreateGeneration(owner, { boardId, generatorName: "fal-flux-2", artifactType: "IMAGE", inputParams: { prompt: "a fox" } });
    expectError(result, "FAILED_PRECONDITION", "Generator 'fal-flux-2' runs at fal, which is not configured: set FAL_KEY (or BOARDS_GENERATOR_API_KEYS)");
    expect(await rowsOnBoard()).toBe(rowsBefore);
    expect(await jobCount(bare)).toBe(jobsBefore);
  });

  it("names each provider's own variable", async () => {
    const result = await tryCreateGeneration(owner, { boardId, generatorName: "openai-dall-e-3", artifactType: "IMAGE", inputParams: { prompt: "a fox" } });
    expectError(result, "FAILED_PRECONDITION", /set OPENAI_API_KEY \(or BOARDS_GENERATOR_API_KEYS\)$/);
  });

  it("retryGeneration and regenerate are FAILED_PRECONDITION too, and write nothing", async () => {
    const original = await addGeneration(bare, boardId, owner.id, { generatorName: "fal-flux-2", inputParams: { prompt: "a fox" } });
    const rowsBefore = await rowsOnBoard();
    for (const mutation of ["retryGeneration", "regenerate"]) {
      const result = await owner.gql(`mutation($id: UUID!) { ${mutation}(id: $id) { id } }`, { id: original.id });
      expectError(result, "FAILED_PRECONDITION", /^Generator 'fal-flux-2' runs at fal, which is not configured: set FAL_KEY/);
    }
    expect(await rowsOnBoard()).toBe(rowsBefore);
  });

  it("never puts a key's value in the message", async () => {
    const owner2 = await (await newTenant(falOnly)).user("owner");
    const board2 = await createBoard(owner2);
    const result = await tryCreateGeneration(owner2, { boardId: board2, generatorName: "kie-veo3", artifactType: "VIDEO", inputParams: { prompt: "a fox" } });
    const error = expectError(result, "FAILED_PRECONDITION", /set KIE_API_KEY/);
    expect(JSON.stringify(error)).not.toContain(FAKE_KEYS.FAL_KEY);
  });
});

/** Generators whose inputs take no artifacts: Boards' recorded runs can be sent as they are. */
const withoutArtifacts = loadCatalogue().filter((d) => artifactFields(d.inputSchema).length === 0);

describe("estimateCost", () => {
  let owner: Actor;
  let anonymous: Pick<Actor, "gql">;
  let boardId: string;
  beforeAll(async () => {
    const tenant = await newTenant(keyed);
    owner = await tenant.user("owner");
    anonymous = tenant.anonymous;
    boardId = await createBoard(owner);
  });

  const estimate = (caller: Pick<Actor, "gql">, name: string, params: unknown) => caller.gql<{ estimateCost: number }>(ESTIMATE, { name, params });

  it("gives Boards' own estimate for every recorded run of the generators without artifact inputs", async () => {
    expect(withoutArtifacts.length).toBeGreaterThan(30);
    let priced = 0;
    for (const decl of withoutArtifacts) {
      for (const run of runs[decl.name]!) {
        const result = await estimate(owner, decl.name, run.inputs);
        if (run.invalid) {
          expectError(result, "BAD_USER_INPUT");
          continue;
        }
        expect(expectData(result).estimateCost, `${decl.name} (${run.label})`).toBeCloseTo(run.cost!, 6);
        priced++;
      }
    }
    expect(priced).toBeGreaterThan(100);
  });

  it("prices a few known runs exactly", async () => {
    const cases: Array<[string, string]> = [
      ["fal-flux-2", "all-fields"],
      ["fal-nano-banana-2", "all-fields"],
      ["fal-sora-2-text-to-video-pro", "all-fields"],
      ["openai-dall-e-3", "required-only"],
      ["kie-veo3", "required-only"],
      ["replicate-flux-pro", "required-only"],
    ];
    for (const [name, label] of cases) {
      const run = runs[name]!.find((r) => r.label === label)!;
      // To the millionth of a dollar, as generations record it.
      expect(expectData(await estimate(owner, name, run.inputs)).estimateCost, name).toBe(Number(run.cost!.toFixed(6)));
    }
    expect(expectData(await estimate(owner, "image-from-prompt", { prompt: "x", num_images: 3 })).estimateCost).toBe(0.003);
  });

  it("refuses invalid inputs with one fieldErrors entry per problem, as createGeneration does", async () => {
    const params = { prompt: "a fox", num_images: 5, image_size: "huge" };
    const result = await estimate(owner, "fal-flux-2", params);
    expectError(result, "BAD_USER_INPUT");
    const fields = fieldErrors(result).map((e) => e.field).sort();
    expect(fields).toEqual(["inputParams.image_size", "inputParams.num_images"]);
    const submitted = await tryCreateGeneration(owner, { boardId, generatorName: "fal-flux-2", artifactType: "IMAGE", inputParams: params });
    expect(fieldErrors(submitted)).toEqual(fieldErrors(result));

    const code = await estimate(owner, "image-from-prompt", { prompt: "", num_images: 0 });
    expectError(code, "BAD_USER_INPUT");
    expect(fieldErrors(code).map((e) => e.field).sort()).toEqual(["inputParams.num_images", "inputParams.prompt"]);
    expectError(await estimate(owner, "fal-flux-2", ["not", "an", "object"]), "BAD_USER_INPUT");
  });

  it("refuses an unknown generator on generatorName", async () => {
    const result = await estimate(owner, "no-such-generator", {});
    expectError(result, "BAD_USER_INPUT", "Unknown generator: no-such-generator");
    expect(fieldErrors(result)).toEqual([{ field: "generatorName", message: "unknown generator" }]);
  });

  it("needs a signed-in user", async () => {
    expectError(await estimate(anonymous, "fal-flux-2", { prompt: "a fox" }), "UNAUTHENTICATED");
  });

  it("prices without the artifact inputs, which a client picks later", async () => {
    expect(expectData(await estimate(owner, "fal-flux-2-edit", { prompt: "a fox", num_images: 2 })).estimateCost).toBe(0.12);
    expect(expectData(await estimate(owner, "image-transform", {})).estimateCost).toBe(0.001);
  });

  it("uses the artifact inputs given, which must be generations the caller can read", async () => {
    const mine = await addGeneration(keyed, boardId, owner.id);
    const two = await addGeneration(keyed, boardId, owner.id);
    const run = runs["kie-nano-banana-edit"]!.find((r) => r.label === "all-fields")!;
    expect(run.cost).toBe(0.05);
    expect(expectData(await estimate(owner, "kie-nano-banana-edit", { prompt: "a fox", image_sources: [mine.id, two.id] })).estimateCost).toBe(run.cost);

    const stranger = await (await newTenant(keyed)).user("stranger");
    const theirs = await addGeneration(keyed, await createBoard(stranger), stranger.id);
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ["kie-nano-banana-edit", { prompt: "a fox", image_sources: [theirs.id] }, "inputParams.image_sources"],
      ["image-transform", { image: theirs.id }, "inputParams.image"],
    ];
    for (const [name, params, field] of cases) {
      const result = await estimate(owner, name, params);
      expectError(result, "BAD_USER_INPUT");
      expect(fieldErrors(result), name).toEqual([{ field, message: `Generation ${theirs.id} not found` }]);
    }
  });
});

describe("GeneratorInfo.estimatedCost", () => {
  type Priced = { name: string; estimatedCost: number | null };
  const priced = async (server: TestServer, params: Record<string, unknown> | undefined): Promise<Map<string, number | null>> => {
    const query = params
      ? `query($params: JSON) { generators { name estimatedCost(inputParams: $params) } }`
      : `{ generators { name estimatedCost } }`;
    const result: GqlResult<{ generators: Priced[] }> = await server.gql(query, params ? { params } : undefined);
    return new Map(expectData(result).generators.map((g) => [g.name, g.estimatedCost]));
  };

  it("prices each generator for the given inputs, null where they are not valid for it", async () => {
    const costs = await priced(keyed, { prompt: "sample prompt text", num_images: 2 });
    expect(costs.size).toBe(102);
    expect(costs.get("fal-flux-2")).toBe(0.11);
    expect(costs.get("image-from-prompt")).toBe(0.002);
    // Boards' schemas ignore fields they do not have, as Pydantic does.
    expect(costs.get("openai-dall-e-3")).toBe(0.04);
    // Its text field is required.
    expect(costs.get("fal-elevenlabs-tts-turbo-v2-5")).toBeNull();
    for (const [name, cost] of costs) if (cost !== null) expect(cost, name).toBeGreaterThanOrEqual(0);
    expect([...costs.values()].filter((c) => c !== null).length).toBeGreaterThan(10);
  });

  it("defaults to {}: the generator's defaults, null where a field is required", async () => {
    const costs = await priced(keyed, undefined);
    expect(costs.get("fal-flux-2")).toBeNull();
    expect(costs.get("image-transform")).toBe(0.001);
    expect(costs.get("fal-bria-background-remove")).toBe(0.02);
  });

  it("prices built-ins at 0 unless the generators file gives them a cost", async () => {
    const free = await priced(bare, { prompt: "sample prompt text", num_images: 2 });
    expect([...free.keys()]).toEqual(BUILTINS);
    expect(free.get("image-from-prompt")).toBe(0);
    expect(free.get("text-from-prompt")).toBe(0);
    const configured = await priced(keyed, { prompt: "sample prompt text", num_images: 2 });
    expect(configured.get("image-from-prompt")).toBe(0.002);
    expect(configured.get("text-from-prompt")).toBe(0);
  });

  it("is null for inputs that are not an object, without failing the list", async () => {
    const result = await keyed.gql<{ generators: Priced[] }>(`{ generators { name estimatedCost(inputParams: [1, 2]) } }`);
    expect(expectData(result).generators.every((g) => g.estimatedCost === null)).toBe(true);
  });
});

describe("the estimate recorded at submit", () => {
  let owner: Actor;
  let boardId: string;
  beforeAll(async () => {
    owner = await (await newTenant(keyed)).user("owner");
    boardId = await createBoard(owner);
  });

  const recorded = async (id: string) => (await owner.ok<{ generation: { estimatedCost: number | null } }>(COST_OF, { id })).generation.estimatedCost;

  it("equals estimateCost's answer, for a provider generator and a built-in one", async () => {
    const cases = [
      { generatorName: "fal-flux-2", artifactType: "IMAGE", inputParams: { prompt: "a fox", num_images: 3 } },
      { generatorName: "fal-sora-2-text-to-video-pro", artifactType: "VIDEO", inputParams: runs["fal-sora-2-text-to-video-pro"]![1]!.inputs },
      { generatorName: "image-from-prompt", artifactType: "IMAGE", inputParams: { prompt: "a fox", num_images: 2 } },
    ];
    for (const input of cases) {
      const estimate = (await owner.ok<{ estimateCost: number }>(ESTIMATE, { name: input.generatorName, params: input.inputParams })).estimateCost;
      const generation = await submitGeneration(owner, { boardId, ...input });
      expect(await recorded(generation.id), input.generatorName).toBe(estimate);
    }
    const images = await submitGeneration(owner, { boardId, ...cases[2]! });
    expect(await recorded(images.id)).toBe(0.002);
  });

  it("is recorded again on retry and regenerate", async () => {
    const original = await submitGeneration(owner, { boardId, generatorName: "kie-veo3", artifactType: "VIDEO", inputParams: { prompt: "a fox", model: "veo3_fast" } });
    expect(await recorded(original.id)).toBe(0.04);
    for (const mutation of ["retryGeneration", "regenerate"]) {
      const data = await owner.ok<Record<string, { id: string; estimatedCost: number | null }>>(`mutation($id: UUID!) { ${mutation}(id: $id) { id estimatedCost } }`, { id: original.id });
      expect(data[mutation]!.id).not.toBe(original.id);
      expect(data[mutation]!.estimatedCost, mutation).toBe(0.04);
    }
  });

  it("is null on generations recorded without one", async () => {
    const old = await addGeneration(keyed, boardId, owner.id);
    expect(await recorded(old.id)).toBeNull();
  });
});

describe("a cost formula that fails", () => {
  let owner: Actor;
  let boardId: string;
  beforeAll(async () => {
    owner = await (await newTenant(broken)).user("owner");
    boardId = await createBoard(owner);
  });

  it("does not block submission: the generation is recorded without an estimate, and a warning logged", async () => {
    for (const [generatorName, artifactType] of [["broken-cost-image", "IMAGE"], ["broken-cost-text", "TEXT"]] as const) {
      const generation = await submitGeneration(owner, { boardId, generatorName, artifactType, inputParams: { prompt: "a fox" } });
      const data = await owner.ok<{ generation: { estimatedCost: number | null; status: string } }>(`query($id: UUID!) { generation(id: $id) { estimatedCost status } }`, { id: generation.id });
      expect(data.generation, generatorName).toEqual({ estimatedCost: null, status: "PENDING" });
      const warning = logLines.find((line) => line.generator === generatorName && line.msg.includes("recorded without"));
      expect(warning?.level, generatorName).toBe(40);
      expect(warning?.err?.message, generatorName).toBeTruthy();
    }
  });

  it("is null in the generator list, which still prices the others", async () => {
    const result = await broken.gql<{ generators: Array<{ name: string; estimatedCost: number | null }> }>(
      `{ generators { name estimatedCost(inputParams: { prompt: "a fox" }) } }`,
    );
    const costs = new Map(expectData(result).generators.map((g) => [g.name, g.estimatedCost]));
    expect(costs.get("broken-cost-image")).toBeNull();
    expect(costs.get("broken-cost-text")).toBeNull();
    expect(costs.get("fal-flux-2")).toBe(0.055);
  });

  it("fails estimateCost as an unexpected error, not as the caller's", async () => {
    const result = await owner.gql(ESTIMATE, { name: "broken-cost-image", params: { prompt: "a fox" } });
    expectError(result, "INTERNAL_SERVER_ERROR");
  });
});
