/**
 * Copies a finished provider job's output files into our storage at once (provider URLs expire):
 * each is downloaded through the SSRF guard into a private spool file under the storage size
 * limit, its first bytes are sniffed and must be the artifact type the generator produces, and it
 * is then stored through the run's ExecutionContext, which makes thumbnails, measures it, and
 * turns outputs after the first into batch siblings.
 *
 * Result URLs on an overridden provider origin (`BOARDS_PROVIDER_ENDPOINTS`) may be on a private
 * or loopback address (a gateway, a test server); every other URL must be public.
 */
import { createReadStream } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { readProviderOutputs, type ProviderOutput } from "../generators/declarative/readProviderOutputs.js";
import { DeclarationError } from "../generators/declarative/evaluate.js";
import { PermanentGeneratorError, type DeclaredGenerator, type GeneratorContext } from "../generators/Generator.js";
import { captureToFile } from "../lib/captureToFile.js";
import { extensionFor } from "../lib/contentTypes.js";
import { DownloadError, DownloadTooLargeError, safeFetch, UrlNotAllowedError, type HostResolver } from "../lib/safeFetch.js";
import { sniffContent } from "../lib/sniffContent.js";
import { openOutput } from "./outputSource.js";

/** How long one output file may take to download (a long video on a slow CDN). */
const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;

export type OutputDownloadOptions = {
  /** The storage size limit: larger outputs fail the generation. */
  maxBytes: number;
  /** Hosts (host or host:port) whose URLs skip the private-address check: the overridden provider origins. */
  trustedHosts: string[];
  lookup?: HostResolver;
};

/** Fetches one output URL (http(s) or data:) into `path`; returns its size and first bytes. */
async function download(url: string, path: string, options: OutputDownloadOptions, signal: AbortSignal): Promise<{ size: number; head: Uint8Array }> {
  if (url.startsWith("data:")) {
    const bytes = (await openOutput({ url }, signal)) as Uint8Array;
    if (bytes.length > options.maxBytes) throw new PermanentGeneratorError(`Provider output exceeds the storage limit of ${options.maxBytes} bytes`);
    return captureToFile(Readable.from([Buffer.from(bytes)]), path);
  }
  try {
    return await safeFetch(url, { maxBytes: options.maxBytes, timeoutMs: DOWNLOAD_TIMEOUT_MS, allowHosts: options.trustedHosts, lookup: options.lookup }, (body) =>
      captureToFile(body, path),
    );
  } catch (error) {
    signal.throwIfAborted();
    if (error instanceof DownloadTooLargeError) throw new PermanentGeneratorError(`Provider output exceeds the storage limit of ${options.maxBytes} bytes`);
    if (error instanceof UrlNotAllowedError) throw new PermanentGeneratorError(`Provider output refused: ${error.message}`);
    // A 4xx from the provider's file host will not get better; other failures may.
    if (error instanceof DownloadError && /HTTP 4\d\d/.test(error.message)) throw new PermanentGeneratorError(`Could not download the provider's output: ${error.message}`);
    throw error;
  }
}

/** The stored format: what the declaration says, else what the bytes are. */
function formatOf(declared: string | undefined, mime: string): string {
  if (declared) return declared;
  return extensionFor(mime).replace(/^\./, "").replace(/^jpg$/, "jpeg") || mime.split("/")[1] || "bin";
}

/** Downloads one file into `path` and checks its bytes are the `kind` expected; returns its MIME type. */
async function fetchChecked(url: string, kind: string, what: string, path: string, options: OutputDownloadOptions, signal: AbortSignal): Promise<string> {
  const { head } = await download(url, path, options, signal);
  const sniffed = sniffContent(head);
  if (sniffed.kind === "refused" || sniffed.kind === "unknown" || sniffed.kind !== kind) {
    const found =
      sniffed.kind === "refused" ? sniffed.reason
      : sniffed.kind === "unknown" ? "an unrecognised file"
      : `${/^[aeiou]/.test(sniffed.kind) ? "an" : "a"} ${sniffed.kind} file`;
    throw new PermanentGeneratorError(`The provider's ${what} is ${found}, not ${kind}`);
  }
  return sniffed.mime;
}

/**
 * Stores every output of `providerResult` as `generator` declares them.
 * @throws PermanentGeneratorError when the result has no output, an output is of the wrong type,
 *   too large, or refused; other errors (network) are worth a retry
 */
export async function storeProviderOutputs(
  ctx: GeneratorContext,
  generator: DeclaredGenerator,
  providerResult: unknown,
  inputs: Record<string, unknown>,
  options: OutputDownloadOptions,
): Promise<number> {
  let outputs: ProviderOutput[];
  try {
    outputs = readProviderOutputs(generator.declaration, providerResult, inputs);
  } catch (error) {
    if (error instanceof DeclarationError) throw new PermanentGeneratorError(error.message);
    throw error;
  }
  const dir = await mkdtemp(join(tmpdir(), "boards-provider-output-"));
  try {
    for (const [index, output] of outputs.entries()) {
      ctx.signal.throwIfAborted();
      if (output.text !== undefined) {
        await ctx.storeTextResult({ content: output.text, outputIndex: index });
        continue;
      }
      const path = join(dir, `output-${index}`);
      const mime = await fetchChecked(output.url!, generator.artifactType, `output ${index + 1}`, path, options, ctx.signal);
      const common = { source: { stream: createReadStream(path) }, format: formatOf(output.format, mime), outputIndex: index };
      if (generator.artifactType === "image") await ctx.storeImageResult({ ...common, width: output.width, height: output.height });
      else if (generator.artifactType === "video") await ctx.storeVideoResult({ ...common, width: output.width, height: output.height, duration: output.durationSeconds });
      else if (generator.artifactType === "audio") await ctx.storeAudioResult({ ...common, duration: output.durationSeconds });
      else {
        const handle = await open(path);
        try {
          await ctx.storeTextResult({ content: await handle.readFile("utf8"), outputIndex: index });
        } finally {
          await handle.close();
        }
      }
      await rm(path, { force: true });
      for (const [n, extra] of (output.additionalFiles ?? []).entries()) {
        const extraPath = join(dir, `output-${index}-${n}`);
        const extraMime = await fetchChecked(extra.url, extra.kind, `${extra.role} of output ${index + 1}`, extraPath, options, ctx.signal);
        await ctx.storeAdditionalFile({ source: { stream: createReadStream(extraPath) }, format: formatOf(undefined, extraMime), role: extra.role, outputIndex: index });
        await rm(extraPath, { force: true });
      }
    }
    return outputs.length;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
