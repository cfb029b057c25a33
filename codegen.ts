import type { CodegenConfig } from "@graphql-codegen/cli";

// schema.graphql is the source of truth; this emits the typed resolver signatures the resolvers
// in src/graphql/resolvers implement. Object types map onto Prisma models (or the small
// view types in src/graphql/mappers.ts), so a resolver returns rows and the type resolvers
// fill in relations.
const config: CodegenConfig = {
  schema: "schema.graphql",
  generates: {
    "src/graphql/types.generated.ts": {
      plugins: [
        { add: { content: "/* Generated from schema.graphql by graphql-codegen. Do not edit. */" } },
        "typescript",
        "typescript-resolvers",
      ],
      config: {
        useTypeImports: true,
        strictScalars: true,
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
        contextType: "../context.js#GraphQLContext",
        mappers: {
          User: "./mappers.js#UserMapper",
          Board: "./mappers.js#BoardMapper",
          BoardMember: "./mappers.js#BoardMemberMapper",
          Generation: "./mappers.js#GenerationMapper",
          Tag: "./mappers.js#TagMapper",
          ArtifactLineage: "./mappers.js#ArtifactLineageMapper",
          AncestryNode: "./mappers.js#LineageNodeMapper",
          DescendantNode: "./mappers.js#LineageNodeMapper",
          GeneratorInfo: "./mappers.js#GeneratorInfoMapper",
          GenerationEvent: "./mappers.js#GenerationEventMapper",
          BoardConnection: "./mappers.js#BoardConnectionMapper",
          GenerationConnection: "./mappers.js#GenerationConnectionMapper",
          TagConnection: "./mappers.js#TagConnectionMapper",
          BoardEdge: "./mappers.js#BoardEdgeMapper",
          GenerationEdge: "./mappers.js#GenerationEdgeMapper",
          TagEdge: "./mappers.js#TagEdgeMapper",
          CreditTransaction: "./mappers.js#CreditTransactionMapper",
          CreditTransactionConnection: "./mappers.js#CreditTransactionConnectionMapper",
          CreditTransactionEdge: "./mappers.js#CreditTransactionEdgeMapper",
        },
        scalars: {
          UUID: "string",
          DateTime: { input: "Date", output: "Date | string" },
          JSON: { input: "unknown", output: "unknown" },
          // A multipart file part, already spooled to disk by the HTTP layer; never returned.
          File: { input: "../services/uploads.js#UploadedFile", output: "never" },
        },
      },
    },
  },
};

export default config;
