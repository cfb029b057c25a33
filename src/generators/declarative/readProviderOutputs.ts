import { DeclarationError, evaluate, readPath, type Scope } from "./evaluate.js";
import type { GeneratorDeclaration } from "./GeneratorDeclaration.js";

/** One output file (or text) found in a provider's result. */
export type ProviderOutput = {
  url?: string;
  text?: string;
  contentType?: string;
  format?: string;
  width?: number;
  height?: number;
  durationSeconds?: number;
  /** More files of this output (see OutputMapping.additionalFiles). */
  additionalFiles?: Array<{ url: string; kind: "image" | "video" | "audio" | "text"; role: string }>;
};

/**
 * Follows a result path: `a.b` reads members, `x[]` spreads a list (a single value counts as a
 * one-item list), `x|json` parses a JSON string.
 */
function itemsAt(result: unknown, path: string): unknown[] {
  let current: unknown[] = [result];
  for (const raw of path.split(".")) {
    const json = raw.endsWith("|json");
    const name = json ? raw.slice(0, -5) : raw;
    const spread = name.endsWith("[]");
    const key = spread ? name.slice(0, -2) : name;
    const next: unknown[] = [];
    for (const value of current) {
      let v = key === "" ? value : readPath(value, key);
      if (json && typeof v === "string") {
        try {
          v = JSON.parse(v);
        } catch {
          v = undefined;
        }
      }
      if (v === undefined || v === null) continue;
      if (spread) next.push(...(Array.isArray(v) ? v : [v]));
      else next.push(v);
    }
    current = next;
  }
  return current;
}

function numberOrUndefined(value: unknown): number | undefined {
  const n = typeof value === "string" ? Number.parseFloat(value) : value;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

/**
 * The output files of a finished run, in order (index 0 is the generation itself, the rest its
 * batch siblings). Paths in `outputs.items` are tried in order; the first that yields items wins.
 * @param inputs the validated inputs (some outputs take their size or format from them)
 * @throws DeclarationError when the result has no output the declaration knows how to find
 */
export function readProviderOutputs(decl: GeneratorDeclaration, providerResult: unknown, inputs: Record<string, unknown> = {}): ProviderOutput[] {
  const spec = decl.outputs;
  let items: unknown[] = [];
  for (const path of spec.items) {
    items = itemsAt(providerResult, path);
    if (items.length) break;
  }
  const outputs: ProviderOutput[] = [];
  for (const item of items) {
    const scope: Scope = { inputs, urls: {}, item };
    const out: ProviderOutput = {};
    if (spec.text !== undefined) {
      const text = readPath(item, spec.text);
      if (typeof text !== "string") continue;
      out.text = text;
    } else {
      // An item that is a string is the URL itself (Kie lists either URLs or {url} objects).
      const url = typeof item === "string" ? item : readPath(item, spec.url ?? ".");
      // Boards skips items without a URL (or fails on them); either way there is no file.
      if (typeof url !== "string" || !url) continue;
      out.url = url;
    }
    const width = spec.width === undefined ? undefined : numberOrUndefined(evaluate(spec.width, scope));
    const height = spec.height === undefined ? undefined : numberOrUndefined(evaluate(spec.height, scope));
    const duration = spec.durationSeconds === undefined ? undefined : numberOrUndefined(evaluate(spec.durationSeconds, scope));
    const contentType = spec.contentType === undefined ? undefined : evaluate(spec.contentType, scope);
    const format = spec.format === undefined ? undefined : evaluate(spec.format, scope);
    if (width !== undefined) out.width = width;
    if (height !== undefined) out.height = height;
    if (duration !== undefined) out.durationSeconds = duration;
    if (typeof contentType === "string") out.contentType = contentType;
    if (typeof format === "string") out.format = format;
    const extra = (spec.additionalFiles ?? []).flatMap(({ url: path, kind, role }) => {
      const found = readPath(item, path);
      const urls = (Array.isArray(found) ? found : [found]).filter((u): u is string => typeof u === "string" && u.length > 0);
      return urls.map((u) => ({ url: u, kind, role }));
    });
    if (extra.length) out.additionalFiles = extra;
    outputs.push(out);
  }
  if (!outputs.length) throw new DeclarationError(`${decl.name}: no outputs found in the provider's result`);
  return outputs;
}
