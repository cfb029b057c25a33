/**
 * The catalogue against Boards itself. tests/fixtures/boards-generator-runs.json records what
 * Boards' own Python generators did when run against recording fakes of the provider SDKs
 * (recorded once with the Boards source at hand; the recorder is not part of this project), five runs per generator: required fields only; every field set;
 * optional fields falsy (empty, zero, false or null) where their schema allows; one value out of
 * bounds; every field set against a provider result with URLs only. For each: the inputs after
 * Pydantic validation (or the rejection), the request sent, what was stored from the result, and
 * the cost estimate. Each declaration must reproduce all of them.
 */
import { recordedArtifactUrls } from "../../../tests/helpers/recordedArtifactUrls.js";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildProviderRequest } from "./buildProviderRequest.js";
import { loadCatalogue } from "./catalogue.js";
import { estimateCost } from "./estimateCost.js";
import type { GeneratorDeclaration } from "./GeneratorDeclaration.js";
import { readProviderOutputs } from "./readProviderOutputs.js";
import { InputValidationError, validateInputs } from "./validateInputs.js";

type Stored = { kind: string; storage_url?: string; content?: string; width?: number | null; height?: number | null; duration?: number | null; format?: string };
type Run = {
  label: string;
  inputs: Record<string, unknown>;
  validated: Record<string, unknown>;
  requests: Array<{ endpoint: string; body: Record<string, unknown> }>;
  stored?: Stored[];
  error?: string;
  /** Set when Pydantic rejected the inputs. */
  invalid?: string;
  /** Which sample provider result the run was given. */
  resultSet: string;
  cost: number;
};
type Fixture = { providerResults: Record<string, Record<string, unknown>>; generators: Record<string, Run[]> };

const fixture = JSON.parse(readFileSync(new URL("../../../tests/fixtures/boards-generator-runs.json", import.meta.url), "utf8")) as Fixture;
const boards = JSON.parse(readFileSync(new URL("../../../tests/fixtures/boards-generators.json", import.meta.url), "utf8")) as Array<{
  name: string;
  inputSchema: unknown;
  pythonClass: string;
}>;
const catalogue = loadCatalogue();
const byName = new Map(catalogue.map((d) => [d.name, d]));


/** How Boards' code names the endpoint it called, for this declaration. */
function boardsEndpoint(decl: GeneratorDeclaration, model: string): string {
  const e = decl.endpoint;
  if ("app" in e) return e.app;
  if ("api" in e) {
    if (e.api === "market") return "https://api.kie.ai/api/v1/jobs/createTask";
    if (e.api === "dedicated") return `https://api.kie.ai${e.path}`;
    return e.api === "images.generate" ? "images.generate" : "audio.transcriptions.create";
  }
  return model;
}

describe("catalogue", () => {
  it("declares every Boards generator, with the input schema exactly as Boards serves it", () => {
    expect(catalogue.map((d) => d.name).sort()).toEqual(boards.map((b) => b.name).sort());
    for (const b of boards) {
      // Key order too: clients render fields in the order the schema lists them.
      expect(JSON.stringify(byName.get(b.name)?.inputSchema), b.name).toBe(JSON.stringify(b.inputSchema));
      expect(byName.get(b.name)?.pythonClass, b.name).toBe(b.pythonClass);
    }
  });

  const cases = Object.entries(fixture.generators).flatMap(([name, runs]) => runs.map((run) => [name, run.label, run] as const));

  it.each(cases)("%s (%s): validates, builds Boards' request, reads its outputs and prices it", (name, _label, run) => {
    const decl = byName.get(name)!;
    if (run.invalid) {
      expect(() => validateInputs(decl.inputSchema, run.inputs)).toThrow(InputValidationError);
      return;
    }
    const validated = validateInputs(decl.inputSchema, run.inputs);
    expect(validated, "inputs after validation").toEqual(run.validated);
    const urls = recordedArtifactUrls(decl, validated);
    if (run.error) {
      expect(() => buildProviderRequest(decl, validated, urls)).toThrow(run.error.replace(/^\w+: /, ""));
      return;
    }
    const expected = run.requests[0]!;
    const request = buildProviderRequest(decl, validated, urls);
    expect(boardsEndpoint(decl, String((request.endpoint as { model?: string }).model)), "endpoint").toBe(expected.endpoint);
    expect(request.body, "request body").toEqual(expected.body);

    // The fakes hand Boards what the SDK returns; an adapter reads the provider's own JSON, which
    // for Replicate carries the SDK's return value as the prediction's `output`.
    const raw = fixture.providerResults[run.resultSet]![decl.provider];
    const outputs = readProviderOutputs(decl, decl.provider === "replicate" ? { output: raw } : raw, validated);
    const stored = run.stored ?? [];
    expect(outputs.map((o) => o.url ?? o.text)).toEqual(stored.map((s) => s.storage_url ?? s.content));
    outputs.forEach((out, i) => {
      const s = stored[i]!;
      // Boards stores None where this leaves the field out.
      if (decl.outputs.width !== undefined) expect(out.width ?? null, "width").toBe(s.width ?? null);
      if (decl.outputs.height !== undefined) expect(out.height ?? null, "height").toBe(s.height ?? null);
      if (decl.outputs.durationSeconds !== undefined) expect(out.durationSeconds ?? null, "duration").toBe(s.duration ?? null);
      if (decl.outputs.format !== undefined) expect(out.format, "format").toBe(s.format);
    });

    expect(estimateCost(decl, validated)).toBeCloseTo(run.cost, 10);
  });
});
