/**
 * The main job of the API, end to end, with types generated from schema.graphql: create a
 * board, submit an image generation, follow its progress over a subscription, download the
 * finished PNG. Exits 0 when the file arrived and looks like a PNG, 1 otherwise.
 *
 *   npx tsx examples/typed-client/src/main.ts --url http://localhost:8088 [--token JWT] [--tenant slug]
 *
 * or with BOARDS_API_URL, BOARDS_TOKEN and BOARDS_TENANT in the environment.
 */
import { parseArgs } from "node:util";
import { graphql } from "./gql/index.js";
import { createTypedClient } from "./typedClient.js";

const CreateBoard = graphql(`
  mutation CreateBoard($input: CreateBoardInput!) {
    createBoard(input: $input) {
      id
      title
    }
  }
`);

const CreateGeneration = graphql(`
  mutation CreateGeneration($input: CreateGenerationInput!) {
    createGeneration(input: $input) {
      id
      status
    }
  }
`);

const GenerationProgress = graphql(`
  subscription GenerationProgress($id: UUID!) {
    generationProgress(id: $id) {
      phase
      message
      timestamp
      generation {
        status
        progress
        errorMessage
        storageUrl
      }
    }
  }
`);

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const { values } = parseArgs({
  options: {
    url: { type: "string", default: process.env.BOARDS_API_URL ?? "http://localhost:8088" },
    token: { type: "string", default: process.env.BOARDS_TOKEN },
    tenant: { type: "string", default: process.env.BOARDS_TENANT },
    timeout: { type: "string", default: "60" },
  },
});

// A script must not wait for ever on a server that never answers.
const timeoutSeconds = Number(values.timeout);
setTimeout(() => {
  console.error(`gave up after ${timeoutSeconds} s`);
  process.exit(1);
}, timeoutSeconds * 1000).unref();

const client = createTypedClient({ url: values.url, token: values.token, tenant: values.tenant });
try {
  const { createBoard: board } = await client.request(CreateBoard, { input: { title: "Typed client example" } });
  console.log(`board: ${board.id} (${board.title})`);

  const { createGeneration: generation } = await client.request(CreateGeneration, {
    input: {
      boardId: board.id,
      generatorName: "image-from-prompt",
      artifactType: "IMAGE",
      inputParams: { prompt: "a red fox in the snow", width: 64, height: 64, delay_ms: 1200, progress_steps: 4 },
    },
  });
  console.log(`generation: ${generation.id} ${generation.status}`);

  // The first event is the generation's current state; the server completes the stream after
  // a terminal state, so the loop ends by itself.
  let final: { status: string; errorMessage?: string | null; storageUrl?: string | null } | undefined;
  for await (const { generationProgress: event } of client.subscribe(GenerationProgress, { id: generation.id })) {
    const { status, progress } = event.generation;
    console.log(`progress: ${progress}% ${status} (${event.phase}${event.message ? `: ${event.message}` : ""})`);
    final = event.generation;
  }
  if (final?.status !== "COMPLETED" || !final.storageUrl) {
    throw new Error(`generation ended ${final?.status ?? "without an event"}: ${final?.errorMessage ?? ""}`);
  }
  console.log(`status: ${final.status}`);

  // Private boards hand out short-lived signed links, so the URL needs no credentials.
  const fileUrl = new URL(final.storageUrl, values.url);
  console.log(`file: ${fileUrl.href}`);
  const response = await fetch(fileUrl);
  if (!response.ok) throw new Error(`download failed: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (!PNG_SIGNATURE.every((byte, index) => bytes[index] === byte)) throw new Error("the file is not a PNG");
  console.log(`downloaded: ${bytes.length} bytes, ${response.headers.get("content-type")}, PNG signature ok`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await client.close();
}
