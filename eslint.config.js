// ESLint flat config: the SDL (`npm run lint:schema`) and the TypeScript (`npm run lint:ts`).
import js from '@eslint/js';
import graphql from '@graphql-eslint/eslint-plugin';
import tseslint from 'typescript-eslint';

const typescriptFiles = ['src/**/*.ts', 'tests/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts', 'prisma/**/*.ts'];

const recommended = graphql.configs['flat/schema-recommended'].rules;

export default [
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'storage/', 'src/generated/', '**/*.generated.ts', 'examples/**/src/gql/'] },
  ...[js.configs.recommended, ...tseslint.configs.recommended].map((config) => ({
    ...config,
    files: typescriptFiles,
  })),
  {
    files: typescriptFiles,
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `const { omitted: _, ...rest } = value` is how a key is dropped from a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    files: ['schema.graphql'],
    languageOptions: {
      parser: graphql.parser,
      parserOptions: { graphQLConfig: { schema: './schema.graphql' } },
    },
    plugins: { '@graphql-eslint': graphql },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      ...recommended,
      ...graphql.configs['flat/schema-relay'].rules,
      // Everything a client sees is described: types, fields, arguments, input fields, enum values.
      '@graphql-eslint/require-description': [
        'error',
        {
          types: true,
          rootField: true,
          DirectiveDefinition: true,
          FieldDefinition: true,
          InputValueDefinition: true,
          EnumValueDefinition: true,
        },
      ],
      // The schema's convention is block strings for types and multi-line text, one-line strings
      // for fields, arguments and enum values; the rule can only demand one style everywhere.
      '@graphql-eslint/description-style': 'off',
      '@graphql-eslint/naming-convention': [
        'error',
        {
          ...recommended['@graphql-eslint/naming-convention'][1],
          // AND / OR / NOT are the filter inputs' boolean combinators (Prisma's spelling).
          InputValueDefinition: { style: 'camelCase', ignorePattern: '^(AND|OR|NOT)$' },
        },
      ],
      // Only entities (`Node`s) have an id; value objects, edges, connections and payloads do not.
      '@graphql-eslint/strict-id-in-types': [
        'error',
        {
          acceptedIdNames: ['id'],
          acceptedIdTypes: ['ID'],
          exceptions: {
            types: [
              'AdditionalFile',
              'ArtifactLineage',
              'AncestryNode',
              'Credits',
              'CreditsEvent',
              'DescendantNode',
              'GeneratorInfo',
              'GenerationEvent',
              'PageInfo',
            ],
            suffixes: ['Edge', 'Connection', 'Payload'],
          },
        },
      ],
      // The Boards-compatible plain lists (`myBoards`, `Board.members`, ...) and the connections'
      // `nodes` shortcut are lists of entities, not of edges; the other edge rules stay on.
      '@graphql-eslint/relay-edge-types': [
        'error',
        { withEdgeSuffix: true, shouldImplementNode: true, listTypeCanWrapOnlyEdgeType: false },
      ],
    },
  },
];
