import type { CodegenConfig } from "@graphql-codegen/cli";

// The client preset reads the operations written with `graphql(...)` in src/ and emits, into
// src/gql/ (git-ignored, regenerated), a `graphql()` that returns a TypedDocumentNode per
// operation, so results and variables are typed from schema.graphql with no hand-written types.
// Paths are relative to this directory: run `graphql-codegen --config codegen.ts` from here.
const config: CodegenConfig = {
  schema: "../../schema.graphql",
  documents: ["src/**/*.ts", "!src/gql/**"],
  ignoreNoDocuments: false,
  // Imports with `.js` suffixes, as NodeNext module resolution requires.
  emitLegacyCommonJSImports: false,
  generates: {
    "src/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        // What the scalars are on the wire (JSON over HTTP): UUID and DateTime arrive as
        // strings, JSON as any JSON value, and File is only ever sent (a multipart part).
        scalars: {
          UUID: "string",
          DateTime: "string",
          JSON: "unknown",
          File: { input: "Blob", output: "never" },
        },
      },
    },
  },
};

export default config;
