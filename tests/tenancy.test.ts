/**
 * Tenants end to end: the order in which a request's tenant is found (token claims, then
 * X-Tenant, then the default), the policy for unknown tenants (BOARDS_TENANT_AUTO_CREATE, both
 * ways, in both modes), multi-tenant mode's 400/403, and the same subject in two tenants being
 * two users who cannot see each other's boards, tags or generations through any query, either
 * subscription transport, the progress stream or storage URLs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectData, expectError, signToken, uniqueSlug } from "./helpers/actors.js";
import { insertGeneration } from "./helpers/factories.js";
import { drain, errorsOf, sseSubscribe, wsClient } from "./helpers/live.js";
import { startServer, type GqlResult, type TestServer } from "./helpers/server.js";

type MeData = { me: { id: string; tenantId: string; authSubject: string } | null };
const ME = "{ me { id tenantId authSubject } }";
const CUSTOM_CLAIM = "https://boards.example/tenant";

async function tenantIdOf(server: TestServer, slug: string): Promise<string | undefined> {
  return (await server.prisma.tenant.findUnique({ where: { slug } }))?.id;
}

describe("the tenant of a request, in Boards' order", () => {
  let server: TestServer;
  let multi: TestServer;
  const home = uniqueSlug("home");
  const mailTenant = uniqueSlug("mail");
  beforeAll(async () => {
    [server, multi] = await Promise.all([
      startServer({ BOARDS_JWT_TENANT_CLAIM: CUSTOM_CLAIM, BOARDS_DEFAULT_TENANT_SLUG: home }),
      startServer({
        BOARDS_MULTI_TENANT_MODE: "true",
        BOARDS_TENANT_AUTO_CREATE: "true",
        BOARDS_JWT_TENANT_CLAIM: CUSTOM_CLAIM,
        BOARDS_TENANT_EMAIL_DOMAINS: JSON.stringify({ [`${mailTenant}.example`]: mailTenant }),
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([server.close(), multi.close()]);
  });

  /** Signs in with `claims` (and X-Tenant `header`) and returns the slug of the tenant the user landed in. */
  async function landedIn(target: TestServer, claims: Record<string, unknown>, header?: string): Promise<string> {
    const sub = `order-${uniqueSlug()}`;
    const token = await signToken({ sub, ...claims });
    const { me } = expectData(await target.gql<MeData>(ME, undefined, { token, ...(header ? { tenant: header } : {}) }));
    const tenant = await target.prisma.tenant.findUniqueOrThrow({ where: { id: me!.tenantId } });
    return tenant.slug;
  }

  it("walks tenant → org claims → custom claim → namespace claims → X-Tenant → default", async () => {
    const base = uniqueSlug("w");
    const claims: Record<string, unknown> = {
      tenant: `${base}-tenant`,
      org: `${base.toUpperCase()} Org`,
      organization: { slug: `${base}-organization`, name: "ignored" },
      org_slug: `${base}-org-slug`,
      org_name: `${base} Org Name`,
      [CUSTOM_CLAIM]: `${base}_custom`,
      email: `ann@${base}-email.example`,
      namespace: `${base}-namespace`,
      group: `${base}-group`,
      team: `${base}-team`,
      workspace: `${base}-workspace`,
    };
    // Single-tenant mode never reads the e-mail domain.
    const order: Array<[string, string | null]> = [
      ["tenant", `${base}-tenant`],
      ["org", `${base}-org`],
      ["organization", `${base}-organization`],
      ["org_slug", `${base}-org-slug`],
      ["org_name", `${base}-org-name`],
      [CUSTOM_CLAIM, `${base}-custom`],
      ["namespace", `${base}-namespace`],
      ["group", `${base}-group`],
      ["team", `${base}-team`],
      ["workspace", `${base}-workspace`],
    ];
    const header = `${base}-header`;
    for (const [claim, slug] of order) {
      expect(await landedIn(server, claims, header), `with ${claim} the first claim left`).toBe(slug);
      delete claims[claim];
    }
    expect(await landedIn(server, claims, header)).toBe(header);
    expect(await landedIn(server, claims)).toBe(home);
  });

  it("uses an organisation object's slug, id or name", async () => {
    const base = uniqueSlug("obj");
    expect(await landedIn(server, { organization: { id: `org_${base}`, name: "Named" } })).toBe(`org-${base}`);
    expect(await landedIn(server, { org: { name: `${base} Inc.` } })).toBe(`${base}-inc`);
  });

  it("in multi-tenant mode, takes a verified e-mail's mapped domain after the custom claim and before namespaces and X-Tenant", async () => {
    const header = uniqueSlug("hdr");
    await multi.prisma.tenant.create({ data: { slug: header, name: "Header tenant" } });
    const mapped = { email: `ann@${mailTenant.toUpperCase()}.example`, email_verified: true };
    expect(await landedIn(multi, { ...mapped, team: "ignored-team" }, header)).toBe(mailTenant);
    expect(await landedIn(multi, { ...mapped, [CUSTOM_CLAIM]: `${mailTenant}-custom` }, header)).toBe(`${mailTenant}-custom`);
    expect(await landedIn(server, { ...mapped }, header)).toBe(header);
    // Unverified addresses, unmapped domains and look-alike domains say nothing about the tenant.
    expect(await landedIn(multi, { ...mapped, email_verified: false }, header)).toBe(header);
    expect(await landedIn(multi, { email: `ann@${mailTenant}.example` }, header)).toBe(header);
    expect(await landedIn(multi, { email: `attacker@${mailTenant}.attacker-controlled.example`, email_verified: true }, header)).toBe(header);
    expect(await landedIn(multi, { email: `attacker@sub.${mailTenant}.example`, email_verified: true, workspace: `${mailTenant}-ws` }, header)).toBe(`${mailTenant}-ws`);
    expect(await landedIn(multi, { email: "ann@gmail.com", email_verified: true }, header)).toBe(header);
  });

  it("refuses a malformed X-Tenant in WebSocket connection params, creating nothing", async () => {
    const client = wsClient(server, { Authorization: `Bearer ${await signToken({ sub: `ws-${uniqueSlug()}` })}`, "X-Tenant": "Bad_Slug" });
    try {
      const drained = await drain(client.iterate({ query: "subscription { boardGenerations(boardId: \"00000000-0000-4000-8000-000000000000\") { phase } }" }));
      expect(errorsOf(drained)[0]).toMatchObject({ message: "Invalid X-Tenant header format", extensions: { code: "BAD_REQUEST" } });
    } finally {
      await client.dispose();
    }
    expect(await tenantIdOf(server, "Bad_Slug")).toBeUndefined();
  });

  it("requires X-Tenant in WebSocket connection params in multi-tenant mode", async () => {
    const client = wsClient(multi, { Authorization: `Bearer ${await signToken({ sub: `ws-${uniqueSlug()}`, tenant: uniqueSlug() })}` });
    try {
      const drained = await drain(client.iterate({ query: "subscription { boardGenerations(boardId: \"00000000-0000-4000-8000-000000000000\") { phase } }" }));
      expect(errorsOf(drained)[0]).toMatchObject({ message: "Missing X-Tenant header", extensions: { code: "BAD_REQUEST" } });
    } finally {
      await client.dispose();
    }
  });

  it("refuses a tenant claim that is not a valid slug (401), even when other claims would do", async () => {
    const token = await signToken({ sub: `bad-${uniqueSlug()}`, tenant: "Not A Slug", org: "fine-org" });
    const result = await server.gql(ME, undefined, { token, tenant: uniqueSlug() });
    expect(result.status).toBe(401);
    expectError(result, "UNAUTHENTICATED", "Token has an invalid tenant claim");
  });
});

describe("unknown tenants (BOARDS_TENANT_AUTO_CREATE)", () => {
  let noCreate: TestServer;
  let multiCreate: TestServer;
  let multiDefault: TestServer;
  beforeAll(async () => {
    [noCreate, multiCreate, multiDefault] = await Promise.all([
      startServer({ BOARDS_TENANT_AUTO_CREATE: "false" }),
      startServer({ BOARDS_MULTI_TENANT_MODE: "true", BOARDS_TENANT_AUTO_CREATE: "true" }),
      startServer({ BOARDS_MULTI_TENANT_MODE: "true" }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([noCreate.close(), multiCreate.close(), multiDefault.close()]);
  });

  function expectForbidden(result: GqlResult) {
    expect(result.status).toBe(403);
    expectError(result, "FORBIDDEN");
    expect(result.data ?? null).toBeNull();
  }

  it("off in single-tenant mode: an unknown tenant is refused with 403 and nothing is created", async () => {
    const slug = uniqueSlug("nocreate");
    const sub = `nc-${slug}`;
    expectForbidden(await noCreate.gql(ME, undefined, { token: await signToken({ sub }), tenant: slug }));
    expectForbidden(await noCreate.gql(ME, undefined, { token: await signToken({ sub, org: slug }) }));
    expectForbidden(await noCreate.gql(ME, undefined, { tenant: slug }));
    expect(await tenantIdOf(noCreate, slug)).toBeUndefined();
    expect(await noCreate.prisma.user.count({ where: { authSubject: sub } })).toBe(0);
    // Known tenants are served as usual.
    await noCreate.prisma.tenant.create({ data: { slug, name: "Now known" } });
    expect(expectData(await noCreate.gql<MeData>(ME, undefined, { token: await signToken({ sub }), tenant: slug })).me?.tenantId).toBe(await tenantIdOf(noCreate, slug));
  });

  it("on in multi-tenant mode: a signed-in user's first request creates the tenant; anonymous callers create nothing", async () => {
    const slug = uniqueSlug("mtcreate");
    expect(expectData(await multiCreate.gql<MeData>(ME, undefined, { tenant: slug }))).toEqual({ me: null });
    expect(await tenantIdOf(multiCreate, slug)).toBeUndefined();
    const { me } = expectData(await multiCreate.gql<MeData>(ME, undefined, { token: await signToken({ sub: `mc-${slug}` }), tenant: slug }));
    const row = await multiCreate.prisma.tenant.findUniqueOrThrow({ where: { slug } });
    expect(me!.tenantId).toBe(row.id);
    expect(row.name).toBe(slug);
  });

  it("off by default in multi-tenant mode: 400 without X-Tenant, 403 for an unknown tenant", async () => {
    const slug = uniqueSlug("mtdefault");
    const token = await signToken({ sub: `md-${slug}`, tenant: slug });
    const missing = await multiDefault.gql(ME, undefined, { token });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: "Missing X-Tenant header", multi_tenant_mode: true });
    expectForbidden(await multiDefault.gql(ME, undefined, { token, tenant: uniqueSlug() }));
    expectForbidden(await multiDefault.gql(ME, undefined, { tenant: slug }));
    expect(await tenantIdOf(multiDefault, slug)).toBeUndefined();
  });
});

describe("the same subject in two tenants", () => {
  let server: TestServer;
  const subject = `shared-${uniqueSlug()}`;
  const slugA = uniqueSlug("iso-a");
  const slugB = uniqueSlug("iso-b");
  let tokenA: string;
  let tokenB: string;
  let a: { user: string; publicBoard: string; privateBoard: string; generation: string; tag: string; tagSlug: string; storageUrl: string };

  const asA = <T>(query: string, variables?: Record<string, unknown>) => server.gql<T>(query, variables, { token: tokenA, tenant: slugA });
  const asB = <T>(query: string, variables?: Record<string, unknown>) => server.gql<T>(query, variables, { token: tokenB, tenant: slugB });

  beforeAll(async () => {
    server = await startServer({ BOARDS_MULTI_TENANT_MODE: "true", BOARDS_TENANT_AUTO_CREATE: "true" });
    // One identity, two organisations: the org claim puts each token in its tenant.
    tokenA = await signToken({ sub: subject, email: "same@gmail.com", org: { slug: slugA } });
    tokenB = await signToken({ sub: subject, email: "same@gmail.com", org: { slug: slugB } });
    const meA = expectData(await asA<MeData>(ME)).me!;
    expectData(await asB<MeData>(ME));
    const boards = expectData(
      await asA<{ pub: { id: string }; priv: { id: string } }>(`mutation {
        pub: createBoard(input: { title: "Shared words public", isPublic: true }) { id }
        priv: createBoard(input: { title: "Shared words private" }) { id }
      }`),
    );
    const tag = expectData(await asA<{ createTag: { id: string; slug: string } }>(`mutation { createTag(input: { name: "Shared tag" }) { id slug } }`)).createTag;
    const board = await server.prisma.board.findUniqueOrThrow({ where: { id: boards.priv.id } });
    const key = `${board.tenantId}/image/${board.id}/isolation_${uniqueSlug("f")}/original`;
    await server.runtime.storage.provider("local").put(key, Buffer.from("not really a png"), { contentType: "image/png" });
    const generation = await insertGeneration(server.prisma, board, meA.id, {
      status: "PENDING",
      progress: 10,
      storageUrl: server.runtime.storage.provider("local").url(key),
      storageKey: key,
      storageProvider: "local",
    });
    expectData(await asA(`mutation($g: UUID!, $t: UUID!) { addTagToGeneration(generationId: $g, tagId: $t) { id } }`, { g: generation.id, t: tag.id }));
    a = {
      user: meA.id,
      publicBoard: boards.pub.id,
      privateBoard: boards.priv.id,
      generation: generation.id,
      tag: tag.id,
      tagSlug: tag.slug,
      storageUrl: generation.storageUrl!,
    };
  });
  afterAll(() => server.close());

  it("is two users, one per tenant", async () => {
    const meA = expectData(await asA<MeData>(ME)).me!;
    const meB = expectData(await asB<MeData>(ME)).me!;
    expect(meA.authSubject).toBe(subject);
    expect(meB.authSubject).toBe(subject);
    expect(meA.id).not.toBe(meB.id);
    expect(meA.tenantId).toBe(await tenantIdOf(server, slugA));
    expect(meB.tenantId).toBe(await tenantIdOf(server, slugB));
    expect(await server.prisma.user.count({ where: { authSubject: subject } })).toBe(2);
  });

  it("B's token cannot be pointed at A with X-Tenant: the claim wins", async () => {
    const viaHeader = expectData(await server.gql<MeData>(ME, undefined, { token: tokenB, tenant: slugA })).me!;
    expect(viaHeader.tenantId).toBe(await tenantIdOf(server, slugB));
    const nothing = expectData(await server.gql<{ board: unknown }>(`query($id: UUID!) { board(id: $id) { id } }`, { id: a.publicBoard }, { token: tokenB, tenant: slugA }));
    expect(nothing.board).toBeNull();
  });

  it("A's records are real: A sees them", async () => {
    const data = expectData(
      await asA<{ board: { id: string } | null; generation: { id: string } | null; tag: { id: string } | null }>(
        `query($b: UUID!, $g: UUID!, $t: UUID!) { board(id: $b) { id } generation(id: $g) { id } tag(id: $t) { id } }`,
        { b: a.privateBoard, g: a.generation, t: a.tag },
      ),
    );
    expect(data).toEqual({ board: { id: a.privateBoard }, generation: { id: a.generation }, tag: { id: a.tag } });
  });

  it("B sees none of A's boards, generations, tags or users through any query", async () => {
    const data = expectData(
      await asB<Record<string, unknown>>(
        `query($pub: UUID!, $priv: UUID!, $gen: UUID!, $tag: UUID!, $slug: String!, $user: UUID!, $node: ID!, $ids: [ID!]!) {
          pubBoard: board(id: $pub) { id }
          privBoard: board(id: $priv) { id }
          myBoards { id }
          publicBoards { id }
          searchBoards(query: "Shared words") { id }
          accessible: boardsConnection(scope: ACCESSIBLE, first: 100) { totalCount nodes { id } }
          publicConn: boardsConnection(scope: PUBLIC, first: 100) { totalCount nodes { id } }
          generation(id: $gen) { id }
          generations { id }
          recentGenerations { id }
          generationsConnection(first: 100) { totalCount nodes { id } }
          tag(id: $tag) { id }
          tagBySlug(slug: $slug) { id }
          tags { id }
          tagsConnection(first: 100) { totalCount nodes { id } }
          user(id: $user) { id }
          node(id: $node) { id }
          nodes(ids: $ids) { id }
        }`,
        { pub: a.publicBoard, priv: a.privateBoard, gen: a.generation, tag: a.tag, slug: a.tagSlug, user: a.user, node: a.generation, ids: [a.publicBoard, a.privateBoard, a.generation, a.tag, a.user] },
      ),
    );
    expect(data).toEqual({
      pubBoard: null,
      privBoard: null,
      myBoards: [],
      publicBoards: [],
      searchBoards: [],
      accessible: { totalCount: 0, nodes: [] },
      publicConn: { totalCount: 0, nodes: [] },
      generation: null,
      generations: [],
      recentGenerations: [],
      generationsConnection: { totalCount: 0, nodes: [] },
      tag: null,
      tagBySlug: null,
      tags: [],
      tagsConnection: { totalCount: 0, nodes: [] },
      user: null,
      node: null,
      nodes: [null, null, null, null, null],
    });
  });

  const PROGRESS = `subscription($id: UUID!) { generationProgress(id: $id) { generation { id } } }`;
  const BOARD = `subscription($boardId: UUID!) { boardGenerations(boardId: $boardId) { generation { id } } }`;

  it("B cannot subscribe to A's generation or boards over SSE (NOT_FOUND, no events)", async () => {
    for (const [query, variables] of [
      [PROGRESS, { id: a.generation }],
      [BOARD, { boardId: a.publicBoard }],
      [BOARD, { boardId: a.privateBoard }],
    ] as const) {
      const drained = await drain(sseSubscribe(server, { authorization: `Bearer ${tokenB}`, "x-tenant": slugB }, query, variables));
      expect(errorsOf(drained)[0]?.extensions?.code, JSON.stringify(drained)).toBe("NOT_FOUND");
      expect(drained.results.every((r) => !r.data)).toBe(true);
    }
    // Control: A can.
    const own = sseSubscribe<{ generationProgress: { generation: { id: string } } }>(server, { authorization: `Bearer ${tokenA}`, "x-tenant": slugA }, PROGRESS, { id: a.generation });
    expect((await own.next()).value?.data?.generationProgress.generation.id).toBe(a.generation);
    await own.return?.();
  });

  it("B cannot subscribe to A's generation or boards over WebSocket, even naming A's tenant", async () => {
    for (const params of [
      { Authorization: `Bearer ${tokenB}`, "X-Tenant": slugB },
      { Authorization: `Bearer ${tokenB}`, "X-Tenant": slugA },
    ]) {
      const client = wsClient(server, params);
      try {
        for (const [query, variables] of [
          [PROGRESS, { id: a.generation }],
          [BOARD, { boardId: a.privateBoard }],
        ] as const) {
          const drained = await drain(client.iterate({ query, variables }));
          expect(errorsOf(drained)[0]?.extensions?.code, JSON.stringify(drained)).toBe("NOT_FOUND");
          expect(drained.results.every((r) => !r.data)).toBe(true);
        }
      } finally {
        await client.dispose();
      }
    }
  });

  it("B gets 404 from A's generation's progress stream", async () => {
    const response = await server.fetch(`/api/sse/generations/${a.generation}/progress`, {
      headers: { accept: "text/event-stream", authorization: `Bearer ${tokenB}`, "x-tenant": slugB },
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ detail: "Generation not found" });
  });

  it("B can neither learn A's storage URLs nor open A's private files", async () => {
    // No query of B's reveals the URL (generation(id) is null above, and no list contains it).
    const listed = expectData(await asB<{ generationsConnection: { nodes: Array<{ storageUrl: string | null }> } }>(`{ generationsConnection(first: 100) { nodes { storageUrl } } }`));
    expect(listed.generationsConnection.nodes.map((n) => n.storageUrl)).not.toContain(a.storageUrl);
    // The file's plain URL is refused to B, signed in or not; A's signed link and A's own
    // credentials open it.
    const asAnonymousOrB: Array<Record<string, string>> = [{ "x-tenant": slugB }, { authorization: `Bearer ${tokenB}`, "x-tenant": slugB }];
    for (const headers of asAnonymousOrB) {
      const file = await fetch(a.storageUrl, { headers });
      expect(file.status).toBe(403);
    }
    const link = expectData(await asA<{ generation: { storageUrl: string } }>(`query($id: UUID!) { generation(id: $id) { storageUrl } }`, { id: a.generation })).generation.storageUrl;
    expect(link).not.toBe(a.storageUrl);
    expect(await (await fetch(link)).text()).toBe("not really a png");
    const own = await fetch(a.storageUrl, { headers: { authorization: `Bearer ${tokenA}`, "x-tenant": slugA } });
    expect(await own.text()).toBe("not really a png");
  });
});
