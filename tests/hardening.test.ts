/**
 * Hardening of the GraphQL endpoint: operation limits (graphql-armor), CSRF prevention,
 * production lock-down (introspection, field suggestions), error masking and body limits.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { Lexer, Source, TokenKind } from "graphql";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { expectData, expectError, signToken, uniqueSlug } from "./helpers/actors.js";
import { createMigratedDatabase, type ThrowawayDatabase } from "./helpers/database.js";
import { rawRequest } from "./helpers/rawHttp.js";
import { startServer, type GqlResult, type TestServer } from "./helpers/server.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A query whose deepest field is `depth` levels down: me { boards { owner { boards { … id } } } }. */
function deepQuery(depth: number): string {
  const fields = ["me"];
  while (fields.length < depth - 1) fields.push(fields.length % 2 === 1 ? "boards" : "owner");
  let selection = "id";
  for (const field of fields.reverse()) selection = `${field} { ${selection} }`;
  return `{ ${selection} }`;
}

function aliasedQuery(aliases: number): string {
  return `{ ${Array.from({ length: aliases }, (_, i) => `a${i}: me { id }`).join(" ")} }`;
}

/** Number of lexical tokens of a document, as the GraphQL lexer counts them. */
function tokenCount(document: string): number {
  const lexer = new Lexer(new Source(document));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count += 1;
  return count;
}

/**
 * A valid, cheap, shallow query of exactly `tokens` tokens: a board filter with string lists.
 * Each OR element `{ title: { in: [ …k strings ] } }` is 10 + k tokens; the frame is 16.
 */
function queryWithTokens(tokens: number): string {
  const element = (k: number) => `{ title: { in: [${Array.from({ length: k }, (_, i) => `"t${i}"`).join(" ")}] } }`;
  let remaining = tokens - 16;
  const sizes: number[] = [];
  while (remaining >= 100) {
    sizes.push(90);
    remaining -= 100;
  }
  if (remaining > 10) sizes.push(remaining - 10);
  else if (remaining > 0) sizes[sizes.length - 1]! += remaining;
  const query = `{ boardsConnection(filter: { OR: [${sizes.map(element).join(" ")}] }) { totalCount } }`;
  expect(tokenCount(query)).toBe(tokens);
  return query;
}

/** A request refused before execution: an error with the message and no data at all. */
function expectRefused(result: GqlResult, message: RegExp) {
  expect(result.errors, JSON.stringify(result.body)).toBeDefined();
  expect(result.errors![0]!.message).toMatch(message);
  expect(result.data ?? null).toBeNull();
}

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe("operation limits (defaults)", () => {
  it("accepts depth 10 and refuses depth 11", async () => {
    expect(expectData(await server.gql(deepQuery(10)))).toEqual({ me: null });
    expectRefused(await server.gql(deepQuery(11)), /depth limit of 10 exceeded/i);
  });

  it("accepts 15 aliases and refuses 16", async () => {
    const data = expectData(await server.gql<Record<string, null>>(aliasedQuery(15)));
    expect(Object.keys(data)).toHaveLength(15);
    expectRefused(await server.gql(aliasedQuery(16)), /aliases limit of 15 exceeded/i);
  });

  it("accepts 2000 tokens and refuses 2001", async () => {
    expect(expectData(await server.gql(queryWithTokens(2000)))).toEqual({ boardsConnection: { totalCount: 0 } });
    expectRefused(await server.gql(queryWithTokens(2001)), /token limit of 2000 exceeded/i);
  });

  it("accepts a nested page: 30 boards, each with 10 generations and their tags", async () => {
    const page = `{ boardsConnection(first: 30) { nodes { id generationsConnection(first: 10) { nodes { id tags { id } } } } } }`;
    expect(expectData(await server.gql(page))).toEqual({ boardsConnection: { nodes: [] } });
  });

  it("refuses 100 × 100 × 100 nodes, stating the count and the limit", async () => {
    const nested = `{ boardsConnection(first: 100) { nodes { generationsConnection(first: 100) { nodes { board { generations(limit: 100) { id } } } } } } }`;
    expectRefused(await server.gql(nested), /up to 1,010,100 nodes; the limit is 50,000/);
  });
});

describe("operation limits (configured)", () => {
  let strict: TestServer;
  beforeAll(async () => {
    strict = await startServer({
      BOARDS_GRAPHQL_MAX_DEPTH: "4",
      BOARDS_GRAPHQL_MAX_ALIASES: "2",
      BOARDS_GRAPHQL_MAX_TOKENS: "50",
      BOARDS_GRAPHQL_MAX_NODES: "100",
    });
  });
  afterAll(() => strict.close());

  it("uses BOARDS_GRAPHQL_MAX_DEPTH", async () => {
    expect(expectData(await strict.gql(deepQuery(4)))).toEqual({ me: null });
    expectRefused(await strict.gql(deepQuery(5)), /depth limit of 4 exceeded/i);
  });

  it("uses BOARDS_GRAPHQL_MAX_ALIASES", async () => {
    expectData(await strict.gql(aliasedQuery(2)));
    expectRefused(await strict.gql(aliasedQuery(3)), /aliases limit of 2 exceeded/i);
  });

  it("uses BOARDS_GRAPHQL_MAX_TOKENS", async () => {
    expectData(await strict.gql(queryWithTokens(50)));
    expectRefused(await strict.gql(queryWithTokens(51)), /token limit of 50 exceeded/i);
  });

  it("uses BOARDS_GRAPHQL_MAX_NODES", async () => {
    const query = (first: number) => `{ boardsConnection(first: ${first}) { nodes { id } } }`;
    expectData(await strict.gql(query(100)));
    expectRefused(await strict.gql(`{ myBoards(limit: 101) { id } }`), /up to 101 nodes; the limit is 100/);
  });
});

describe("CSRF prevention", () => {
  const getQuery = (query: string) => `/graphql?query=${encodeURIComponent(query)}`;

  it("refuses a GET query without the x-graphql-yoga-csrf header", async () => {
    const response = await server.fetch(getQuery("{ __typename }"));
    expect(response.status).toBe(403);
    const body = (await response.json()) as { data?: unknown; errors: Array<{ message: string }> };
    expect(body.errors[0]!.message).toMatch(/CSRF/);
    expect(body.data).toBeUndefined();
  });

  it("serves a GET query that carries the x-graphql-yoga-csrf header", async () => {
    const response = await server.fetch(getQuery("{ __typename me { id } }"), { headers: { "x-graphql-yoga-csrf": "1" } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: "Query", me: null } });
  });

  it("refuses a mutation over GET, even with the CSRF header, and does not run it", async () => {
    const tenant = uniqueSlug();
    const token = await signToken({ sub: `get-${tenant}` });
    const title = `GET board ${tenant}`;
    const response = await server.fetch(getQuery(`mutation { createBoard(input: { title: "${title}" }) { id } }`), {
      headers: { "x-graphql-yoga-csrf": "1", authorization: `Bearer ${token}`, "x-tenant": tenant },
    });
    expect(response.status).toBe(405);
    const body = (await response.json()) as { data?: unknown; errors: Array<{ message: string }> };
    expect(body.errors[0]!.message).toMatch(/mutation/i);
    expect(body.data ?? null).toBeNull();
    expect(await server.prisma.board.count({ where: { title } })).toBe(0);
  });

  it.each(["text/plain", "application/x-www-form-urlencoded"])(
    "refuses a POST with content-type %s (no preflight) without the CSRF header and does not run it",
    async (contentType) => {
      const tenant = uniqueSlug();
      const token = await signToken({ sub: `form-${tenant}` });
      const title = `Form board ${tenant}`;
      const response = await server.fetch("/graphql", {
        method: "POST",
        headers: { "content-type": contentType, authorization: `Bearer ${token}`, "x-tenant": tenant },
        body: JSON.stringify({ query: `mutation { createBoard(input: { title: "${title}" }) { id } }` }),
      });
      expect(response.status).toBe(403);
      expect(await server.prisma.board.count({ where: { title } })).toBe(0);
    },
  );

  it("runs a JSON POST mutation without the CSRF header (JSON requires a preflight)", async () => {
    const tenant = uniqueSlug();
    const token = await signToken({ sub: `json-${tenant}` });
    const title = `JSON board ${tenant}`;
    expectData(await server.gql(`mutation($title: String!) { createBoard(input: { title: $title }) { id } }`, { title }, { token, tenant }));
    expect(await server.prisma.board.count({ where: { title } })).toBe(1);
  });
});

describe("production lock-down", () => {
  let production: TestServer;
  let development: TestServer;
  beforeAll(async () => {
    production = await startServer({ BOARDS_ENVIRONMENT: "production" });
    development = await startServer({ BOARDS_ENVIRONMENT: "development" });
  });
  afterAll(async () => {
    await production.close();
    await development.close();
  });

  it.each([
    ["__schema", "{ __schema { queryType { name } } }"],
    ["__type", `{ __type(name: "Board") { name fields { name } } }`],
    ["__schema inside a fragment", "query { ...Intro } fragment Intro on Query { __schema { types { name } } }"],
  ])("refuses introspection through %s in production", async (_, query) => {
    const result = await production.gql(query);
    expectRefused(result, /introspection has been disabled/i);
    expect(JSON.stringify(result.body)).not.toMatch(/"Board"|queryType":\{/);
  });

  it("allows __typename in production", async () => {
    expect(expectData(await production.gql("{ __typename }"))).toEqual({ __typename: "Query" });
  });

  it("allows introspection in development", async () => {
    const data = expectData(await development.gql<{ __schema: { queryType: { name: string } }; __type: { name: string } }>(
      `{ __schema { queryType { name } } __type(name: "Board") { name } }`,
    ));
    expect(data).toEqual({ __schema: { queryType: { name: "Query" } }, __type: { name: "Board" } });
  });

  const misspelled: Array<[string, string, RegExp, RegExp]> = [
    ["a field", "{ mee { id } }", /Cannot query field "mee"/, /Did you mean "me"\?/],
    // An optional argument, so the misspelling is the only error (a missing required `id` would be a second).
    ["an argument", "{ tags(limt: 5) { id } }", /Unknown argument "limt"/, /Did you mean "limit"\?/],
    ["an enum value", "{ boardsConnection(scope: MIN) { totalCount } }", /Value "MIN" does not exist/, /Did you mean the enum value "MINE"\?/],
    ["an input field", `{ boardsConnection(filter: { titl: { equals: "x" } }) { totalCount } }`, /"titl" is not defined/, /Did you mean "title"\?/],
    ["a type", "query { ...F } fragment F on Qery { me { id } }", /Unknown type "Qery"/, /Did you mean "Query"\?/],
  ];

  it.each(misspelled)("suggests the right name for %s in development", async (_, query, problem, suggestion) => {
    const result = await development.gql(query);
    expectError(result, "GRAPHQL_VALIDATION_FAILED", problem);
    expect(result.errors!.some((error) => suggestion.test(error.message)), JSON.stringify(result.errors)).toBe(true);
  });

  it.each(misspelled)("reports %s without any suggestion in production", async (_, query, problem) => {
    const result = await production.gql(query);
    expectError(result, "GRAPHQL_VALIDATION_FAILED", problem);
    expect(JSON.stringify(result.body)).not.toMatch(/did you mean/i);
    expect(result.data ?? null).toBeNull();
  });

  const misspelledVariables: Array<[string, string, Record<string, unknown>, RegExp, RegExp]> = [
    [
      "an enum value",
      "query($scope: BoardScope) { boardsConnection(scope: $scope) { totalCount } }",
      { scope: "MIN" },
      /Value "MIN" does not exist/,
      /Did you mean the enum value "MINE"\?/,
    ],
    [
      "an input field",
      "query($filter: BoardFilter) { boardsConnection(filter: $filter) { totalCount } }",
      { filter: { titl: { equals: "x" } } },
      /"titl" is not defined/,
      /Did you mean "title"\?/,
    ],
  ];

  it.each(misspelledVariables)("suggests the right name for %s given in variables in development", async (_, query, variables, problem, suggestion) => {
    const result = await development.gql(query, variables);
    expect(result.errors?.[0]?.message, JSON.stringify(result.body)).toMatch(problem);
    expect(result.errors![0]!.message).toMatch(suggestion);
  });

  it.each(misspelledVariables)("reports %s given in variables without any suggestion in production", async (_, query, variables, problem) => {
    const result = await production.gql(query, variables);
    expect(result.errors?.[0]?.message, JSON.stringify(result.body)).toMatch(problem);
    expect(JSON.stringify(result.body)).not.toMatch(/did you mean/i);
    expect(result.data ?? null).toBeNull();
  });
});

describe("masking of unexpected errors", () => {
  const missingDatabase = `boards_missing_${randomBytes(6).toString("hex")}`;
  let unreachable: TestServer;
  beforeAll(async () => {
    const url = new URL(inject("databaseUrl"));
    url.pathname = `/${missingDatabase}`;
    unreachable = await startServer({ BOARDS_DATABASE_URL: url.toString() });
  });
  afterAll(() => unreachable.close());

  function expectMasked(result: GqlResult, requestId: string) {
    expect(result.errors, JSON.stringify(result.body)).toHaveLength(1);
    expect(result.errors![0]).toEqual({ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR", requestId } });
    expect(result.data ?? null).toBeNull();
    const text = JSON.stringify(result.body);
    expect(text).not.toContain(missingDatabase);
    expect(text).not.toMatch(/prisma|postgres|database|stack/i);
  }

  it("masks a failure while authenticating, with the request id", async () => {
    const result = await unreachable.gql("{ me { id } }");
    const requestId = result.headers.get("x-request-id")!;
    expect(requestId).toMatch(UUID);
    expectMasked(result, requestId);
  });

  it("masks it for a signed-in caller too and uses the caller's X-Request-Id", async () => {
    const token = await signToken({ sub: `masked-${uniqueSlug()}` });
    const result = await unreachable.gql("{ me { id } }", undefined, { token, headers: { "x-request-id": "trace-masked.1" } });
    expect(result.headers.get("x-request-id")).toBe("trace-masked.1");
    expectMasked(result, "trace-masked.1");
  });

  describe("in a resolver", () => {
    let database: ThrowawayDatabase;
    let broken: TestServer;
    beforeAll(async () => {
      database = await createMigratedDatabase(inject("databaseUrl"), `boards_masking_${process.pid}`);
      // Users and tenants work; every query on boards fails.
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        await client.query("DROP TABLE boards CASCADE");
      } finally {
        await client.end();
      }
      broken = await startServer({ BOARDS_DATABASE_URL: database.url });
    });
    afterAll(async () => {
      await broken?.close();
      await database?.drop();
    });

    it("masks the failing field and keeps the rest of the data", async () => {
      const tenant = uniqueSlug();
      const token = await signToken({ sub: `partial-${tenant}` });
      const result = await broken.gql<{ me: { authSubject: string } | null; board: null }>(
        `query($id: UUID!) { me { authSubject } board(id: $id) { id title } }`,
        { id: randomUUID() },
        { token, tenant },
      );
      expect(result.status).toBe(200);
      expect(result.data).toEqual({ me: { authSubject: `partial-${tenant}` }, board: null });
      expect(result.errors).toHaveLength(1);
      expect(result.errors![0]).toMatchObject({
        message: "Unexpected error.",
        path: ["board"],
        extensions: { code: "INTERNAL_SERVER_ERROR", requestId: result.headers.get("x-request-id") },
      });
      expect(Object.keys(result.errors![0]!.extensions!).sort()).toEqual(["code", "requestId"]);
      expect(JSON.stringify(result.body)).not.toMatch(/prisma|relation|does not exist|stack/i);
    });
  });
});

describe("request body limits", () => {
  const bodyOfSize = (size: number) => {
    const frame = JSON.stringify({ query: "{ me { id } }", variables: { pad: "" } });
    const body = JSON.stringify({ query: "{ me { id } }", variables: { pad: "x".repeat(size - Buffer.byteLength(frame)) } });
    expect(Buffer.byteLength(body)).toBe(size);
    return body;
  };
  const post = (target: TestServer, body: string) =>
    target.fetch("/graphql", { method: "POST", headers: { "content-type": "application/json" }, body });

  it("refuses a body announced above 1 MiB with 413, from the headers alone", async () => {
    const response = await rawRequest(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": 1_048_577 },
      headersOnly: true,
    });
    expect(response.status).toBe(413);
    expect(response.json()).toEqual({
      errors: [{ message: "Request body exceeds 1048576 bytes", extensions: { code: "PAYLOAD_TOO_LARGE" } }],
    });
  });

  it("accepts a body of exactly 1 MiB", async () => {
    const response = await post(server, bodyOfSize(1_048_576));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { me: null } });
  });

  describe("with BOARDS_GRAPHQL_MAX_BODY_BYTES", () => {
    let small: TestServer;
    beforeAll(async () => {
      small = await startServer({ BOARDS_GRAPHQL_MAX_BODY_BYTES: "1024" });
    });
    afterAll(() => small.close());

    it("accepts a body at the limit and refuses one byte more with 413", async () => {
      const atLimit = await post(small, bodyOfSize(1024));
      expect(atLimit.status).toBe(200);
      expect(await atLimit.json()).toEqual({ data: { me: null } });

      const over = await post(small, bodyOfSize(1025));
      expect(over.status).toBe(413);
      expect(await over.json()).toMatchObject({ errors: [{ extensions: { code: "PAYLOAD_TOO_LARGE" } }] });
    });

    it("does not run a mutation whose body is too large", async () => {
      const tenant = uniqueSlug();
      const token = await signToken({ sub: `big-${tenant}` });
      const title = `Big board ${tenant}`;
      const response = await small.fetch("/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}`, "x-tenant": tenant },
        body: JSON.stringify({
          query: "mutation($title: String!, $description: String) { createBoard(input: { title: $title, description: $description }) { id } }",
          variables: { title, description: "d".repeat(2000) },
        }),
      });
      expect(response.status).toBe(413);
      expect(await server.prisma.board.count({ where: { title } })).toBe(0);
    });
  });

  it("applies the limit to the operations and map of multipart bodies too (files have their own limit)", async () => {
    const small = await startServer({ BOARDS_GRAPHQL_MAX_BODY_BYTES: "1024" });
    try {
      const form = new FormData();
      form.append("operations", JSON.stringify({ query: `{ __typename } # ${"x".repeat(1024)}`, variables: { file: null } }));
      form.append("map", JSON.stringify({ 0: ["variables.file"] }));
      form.append("0", new Blob(["x"]), "small.txt");
      const response = await small.fetch("/graphql", { method: "POST", headers: { "x-graphql-yoga-csrf": "1" }, body: form });
      const text = await response.text();
      expect(response.status, text).toBe(413);
      expect(JSON.parse(text)).toEqual({ errors: [{ message: "Field 'operations' exceeds 1024 bytes", extensions: { code: "PAYLOAD_TOO_LARGE" } }] });
    } finally {
      await small.close();
    }
  });

  it("refuses a POST without Content-Length (chunked) with 411 and does not run it", async () => {
    const tenant = uniqueSlug();
    const token = await signToken({ sub: `chunked-${tenant}` });
    const title = `Chunked board ${tenant}`;
    const response = await rawRequest(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}`, "x-tenant": tenant },
      body: JSON.stringify({ query: `mutation { createBoard(input: { title: "${title}" }) { id } }` }),
    });
    expect(response.status).toBe(411);
    expect(response.json()).toEqual({ errors: [{ message: "Content-Length is required", extensions: { code: "BAD_REQUEST" } }] });
    expect(await server.prisma.board.count({ where: { title } })).toBe(0);
  });
});
