// ESLint 9 flat config. For now it lints the SDL only (`npm run lint:schema`).
import graphql from '@graphql-eslint/eslint-plugin';

const recommended = graphql.configs['flat/schema-recommended'].rules;

export default [
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
