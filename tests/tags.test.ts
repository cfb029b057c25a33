import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectData, expectError, newTenant, type Actor, type TenantHandle } from "./helpers/actors.js";
import {
  addBoardMember,
  addGeneration,
  createBoard,
  createTag,
  fieldErrors,
  generationTagNames,
  TAG_FIELDS,
  type Role,
  type TagRow,
} from "./helpers/taggingFixtures.js";
import { startServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";

const CREATE_TAG = `mutation($input: CreateTagInput!) { createTag(input: $input) { ${TAG_FIELDS} } }`;
const UPDATE_TAG = `mutation($input: UpdateTagInput!) { updateTag(input: $input) { ${TAG_FIELDS} } }`;
const DELETE_TAG = `mutation($id: UUID!) { deleteTag(id: $id) }`;
const ADD_TAG = `mutation($generationId: UUID!, $tagId: UUID!) { addTagToGeneration(generationId: $generationId, tagId: $tagId) { id name slug } }`;
const REMOVE_TAG = `mutation($generationId: UUID!, $tagId: UUID!) { removeTagFromGeneration(generationId: $generationId, tagId: $tagId) }`;
const TAGS = `query($limit: Int, $offset: Int) { tags(limit: $limit, offset: $offset) { id name slug } }`;
const TAG = `query($id: UUID!) { tag(id: $id) { ${TAG_FIELDS} } }`;
const TAG_BY_SLUG = `query($slug: String!) { tagBySlug(slug: $slug) { ${TAG_FIELDS} } }`;

async function tagNames(caller: Pick<Actor, "ok">, args: { limit?: number; offset?: number } = {}): Promise<string[]> {
  const data = await caller.ok<{ tags: Array<{ name: string }> }>(TAGS, args);
  return data.tags.map((t) => t.name);
}

async function readTag(caller: Pick<Actor, "ok">, id: string): Promise<TagRow | null> {
  return (await caller.ok<{ tag: TagRow | null }>(TAG, { id })).tag;
}

/** A tenant with a signed-in owner, a private board and one generation on it. */
async function boardWithGeneration(isPublic = false) {
  const tenant = await newTenant(server);
  const owner = await tenant.user("owner");
  const boardId = await createBoard(owner, { title: "Wardrobe", isPublic });
  const generation = await addGeneration(server, boardId, owner.id);
  return { tenant, owner, boardId, generationId: generation.id };
}

describe("tags query", () => {
  it("lists the tenant's tags ordered by name, honouring limit and offset", async () => {
    const tenant = await newTenant(server);
    const alice = await tenant.user("alice");
    const bob = await tenant.user("bob");
    await createTag(alice, { name: "cherry" });
    await createTag(bob, { name: "apple" });
    await createTag(alice, { name: "elderberry" });
    await createTag(bob, { name: "banana" });
    await createTag(alice, { name: "date" });

    const all = ["apple", "banana", "cherry", "date", "elderberry"];
    expect(await tagNames(alice)).toEqual(all);
    expect(await tagNames(bob)).toEqual(all);
    expect(await tagNames(alice, { limit: 2 })).toEqual(["apple", "banana"]);
    expect(await tagNames(alice, { limit: 2, offset: 2 })).toEqual(["cherry", "date"]);
    expect(await tagNames(alice, { offset: 4 })).toEqual(["elderberry"]);
    expect(await tagNames(alice, { offset: 5 })).toEqual([]);
  });

  it("rejects a negative limit or offset", async () => {
    const tenant = await newTenant(server);
    const alice = await tenant.user("alice");
    expectError(await alice.gql(TAGS, { limit: -1 }), "BAD_USER_INPUT");
    expectError(await alice.gql(TAGS, { offset: -1 }), "BAD_USER_INPUT");
  });

  it("is empty for anonymous callers, and tag/tagBySlug are null for them", async () => {
    const tenant = await newTenant(server);
    const alice = await tenant.user("alice");
    const tag = await createTag(alice, { name: "Hello World" });
    expect(await tagNames(alice)).toEqual(["Hello World"]);

    expect(await tagNames(tenant.anonymous)).toEqual([]);
    expect(await readTag(tenant.anonymous, tag.id)).toBeNull();
    const bySlug = await tenant.anonymous.ok<{ tagBySlug: TagRow | null }>(TAG_BY_SLUG, { slug: "hello-world" });
    expect(bySlug.tagBySlug).toBeNull();
  });

  it("tag(id) and tagBySlug return every field of a tag of the caller's tenant", async () => {
    const tenant = await newTenant(server);
    const alice = await tenant.user("alice");
    const bob = await tenant.user("bob");
    const created = await createTag(alice, { name: "Summer Look", description: "Bright colours", metadata: { color: "#ff0", rank: 2 } });

    expect(created).toMatchObject({
      tenantId: tenant.id,
      name: "Summer Look",
      slug: "summer-look",
      description: "Bright colours",
      metadata: { color: "#ff0", rank: 2 },
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(created.createdAt))).toBe(false);
    expect(Number.isNaN(Date.parse(created.updatedAt))).toBe(false);

    // Any signed-in user of the tenant sees it, not only its creator.
    expect(await readTag(bob, created.id)).toEqual(created);
    const bySlug = await bob.ok<{ tagBySlug: TagRow | null }>(TAG_BY_SLUG, { slug: "summer-look" });
    expect(bySlug.tagBySlug).toEqual(created);
  });

  it("tag(id) and tagBySlug are null for unknown tags", async () => {
    const tenant = await newTenant(server);
    const alice = await tenant.user("alice");
    await createTag(alice, { name: "known" });
    expect(await readTag(alice, UNKNOWN_ID)).toBeNull();
    expect((await alice.ok<{ tagBySlug: TagRow | null }>(TAG_BY_SLUG, { slug: "unknown" })).tagBySlug).toBeNull();
  });

  it("tag(id) and tagBySlug are null for another tenant's tag", async () => {
    const tenantA = await newTenant(server);
    const tenantB = await newTenant(server);
    const alice = await tenantA.user("alice");
    const bob = await tenantB.user("bob");
    const tag = await createTag(alice, { name: "Secret Label" });

    expect(await readTag(bob, tag.id)).toBeNull();
    expect((await bob.ok<{ tagBySlug: TagRow | null }>(TAG_BY_SLUG, { slug: "secret-label" })).tagBySlug).toBeNull();
    expect(await tagNames(bob)).toEqual([]);
    // Still there for its own tenant.
    expect((await readTag(alice, tag.id))?.name).toBe("Secret Label");
  });
});

describe("createTag", () => {
  it.each([
    ["Hello World", "hello-world"],
    ["Hello! @World#", "hello-world"],
    ["  Snake_case__and  spaces ", "snake-case-and-spaces"],
    ["--Many---Hyphens--", "many-hyphens"],
    ["UPPER 123", "upper-123"],
  ])("derives the slug of %j as %j", async (name, slug) => {
    const tenant = await newTenant(server);
    const alice = await tenant.user("alice");
    const tag = await createTag(alice, { name });
    expect(tag.slug).toBe(slug);
    expect(tag.tenantId).toBe(tenant.id);
    expect(tag.description).toBeNull();
    expect(tag.metadata).toEqual({});
    const bySlug = await alice.ok<{ tagBySlug: { id: string } | null }>(TAG_BY_SLUG, { slug });
    expect(bySlug.tagBySlug?.id).toBe(tag.id);
  });

  it("uses an explicit slug as given, even when the name has no alphanumerics", async () => {
    const tenant = await newTenant(server);
    const alice = await tenant.user("alice");
    const tag = await createTag(alice, { name: "Hello World", slug: "greeting-1" });
    expect(tag).toMatchObject({ name: "Hello World", slug: "greeting-1" });
    const symbols = await createTag(alice, { name: "!!!", slug: "bangs" });
    expect(symbols).toMatchObject({ name: "!!!", slug: "bangs" });
    expect((await alice.ok<{ tagBySlug: TagRow | null }>(TAG_BY_SLUG, { slug: "hello-world" })).tagBySlug).toBeNull();
  });

  it.each(["Not A Slug", "UPPER", "double--hyphen", "-leading", "trailing-", "under_score", "", "a".repeat(101)])(
    "rejects the invalid explicit slug %j with BAD_USER_INPUT",
    async (slug) => {
      const tenant = await newTenant(server);
      const alice = await tenant.user("alice");
      const result = await alice.gql(CREATE_TAG, { input: { name: "Fine name", slug } });
      expectError(result, "BAD_USER_INPUT");
      expect(fieldErrors(result).map((e) => e.field)).toEqual(["slug"]);
      expect(await tagNames(alice)).toEqual([]);
    },
  );

  it.each(["!!!", "@#$ %^&", "---", "___", "日本語"])("rejects the name %j, which has no alphanumeric character", async (name) => {
    const tenant = await newTenant(server);
    const alice = await tenant.user("alice");
    const result = await alice.gql(CREATE_TAG, { input: { name } });
    expectError(result, "BAD_USER_INPUT", "Tag name must contain at least one alphanumeric character");
    expect(fieldErrors(result).map((e) => e.field)).toEqual(["name"]);
    expect(await tagNames(alice)).toEqual([]);
  });

  it.each(["", "   "])("rejects the empty name %j", async (name) => {
    const tenant = await newTenant(server);
    const alice = await tenant.user("alice");
    const result = await alice.gql(CREATE_TAG, { input: { name, slug: "valid-slug" } });
    expectError(result, "BAD_USER_INPUT");
    expect(fieldErrors(result).map((e) => e.field)).toEqual(["name"]);
  });

  it("accepts a 100-character name and rejects a 101-character one", async () => {
    const tenant = await newTenant(server);
    const alice = await tenant.user("alice");
    const ok = await createTag(alice, { name: "n".repeat(100) });
    expect(ok.name).toHaveLength(100);
    expect(ok.slug).toBe("n".repeat(100));

    const result = await alice.gql(CREATE_TAG, { input: { name: "m".repeat(101) } });
    expectError(result, "BAD_USER_INPUT");
    expect(fieldErrors(result).map((e) => e.field)).toEqual(["name"]);
    expect(await tagNames(alice)).toEqual(["n".repeat(100)]);
  });

  it.each([[[1, 2]], ["text"], [42], [true]])("rejects metadata %j that is not a JSON object", async (metadata) => {
    const tenant = await newTenant(server);
    const alice = await tenant.user("alice");
    const result = await alice.gql(CREATE_TAG, { input: { name: "Meta", metadata } });
    expectError(result, "BAD_USER_INPUT");
    expect(fieldErrors(result).map((e) => e.field)).toEqual(["metadata"]);
    expect(await tagNames(alice)).toEqual([]);
  });

  it("refuses a duplicate slug in the tenant with CONFLICT, however the slug was obtained", async () => {
    const tenant = await newTenant(server);
    const alice = await tenant.user("alice");
    const bob = await tenant.user("bob");
    const original = await createTag(alice, { name: "Hello World" });

    expectError(await alice.gql(CREATE_TAG, { input: { name: "Hello World" } }), "CONFLICT", "Tag with slug 'hello-world' already exists");
    // Another user of the same tenant, and another name deriving the same slug.
    expectError(await bob.gql(CREATE_TAG, { input: { name: "hello   world!" } }), "CONFLICT", "Tag with slug 'hello-world' already exists");
    expectError(
      await bob.gql(CREATE_TAG, { input: { name: "Something else", slug: "hello-world" } }),
      "CONFLICT",
      "Tag with slug 'hello-world' already exists",
    );

    const data = await alice.ok<{ tags: Array<{ id: string; name: string; slug: string }> }>(TAGS);
    expect(data.tags).toEqual([{ id: original.id, name: "Hello World", slug: "hello-world" }]);
  });

  it("allows the same slug in another tenant", async () => {
    const tenantA = await newTenant(server);
    const tenantB = await newTenant(server);
    const alice = await tenantA.user("alice");
    const bob = await tenantB.user("bob");
    const a = await createTag(alice, { name: "Hello World" });
    const b = await createTag(bob, { name: "Hello World" });
    expect(b.slug).toBe("hello-world");
    expect(b.id).not.toBe(a.id);
    expect(b.tenantId).toBe(tenantB.id);
    expect((await alice.ok<{ tagBySlug: { id: string } }>(TAG_BY_SLUG, { slug: "hello-world" })).tagBySlug.id).toBe(a.id);
    expect((await bob.ok<{ tagBySlug: { id: string } }>(TAG_BY_SLUG, { slug: "hello-world" })).tagBySlug.id).toBe(b.id);
  });

  it("fails UNAUTHENTICATED for anonymous callers and creates nothing", async () => {
    const tenant = await newTenant(server);
    const alice = await tenant.user("alice");
    const result = await tenant.anonymous.gql(CREATE_TAG, { input: { name: "Sneaky" } });
    expectError(result, "UNAUTHENTICATED", "Authentication required to create a tag");
    expect(await tagNames(alice)).toEqual([]);
  });
});

describe("updateTag", () => {
  let tenant: TenantHandle;
  let alice: Actor;
  let bob: Actor;
  beforeAll(async () => {
    tenant = await newTenant(server);
    alice = await tenant.user("alice");
    bob = await tenant.user("bob");
  });

  async function update(actor: Actor, input: Record<string, unknown>): Promise<TagRow> {
    return (await actor.ok<{ updateTag: TagRow }>(UPDATE_TAG, { input })).updateTag;
  }

  it("re-derives the slug when the name changes and no slug is given", async () => {
    const tag = await createTag(alice, { name: "Rename Me", description: "kept", metadata: { k: 1 } });
    const updated = await update(bob, { id: tag.id, name: "Renamed! Tag" });
    expect(updated).toMatchObject({ id: tag.id, name: "Renamed! Tag", slug: "renamed-tag", description: "kept", metadata: { k: 1 } });
    expect(await readTag(alice, tag.id)).toMatchObject({ name: "Renamed! Tag", slug: "renamed-tag" });
    expect((await alice.ok<{ tagBySlug: TagRow | null }>(TAG_BY_SLUG, { slug: "rename-me" })).tagBySlug).toBeNull();
    expect((await alice.ok<{ tagBySlug: { id: string } | null }>(TAG_BY_SLUG, { slug: "renamed-tag" })).tagBySlug?.id).toBe(tag.id);
  });

  it("uses the given slug when both name and slug change", async () => {
    const tag = await createTag(alice, { name: "Both Fields" });
    const updated = await update(alice, { id: tag.id, name: "New Name", slug: "explicit-choice" });
    expect(updated).toMatchObject({ name: "New Name", slug: "explicit-choice" });
  });

  it("changes only the slug when only the slug is given", async () => {
    const tag = await createTag(alice, { name: "Slug Only" });
    const updated = await update(alice, { id: tag.id, slug: "slug-only-v2" });
    expect(updated).toMatchObject({ name: "Slug Only", slug: "slug-only-v2" });
  });

  it("keeps an explicit slug when other fields change or the name is set to its current value", async () => {
    const tag = await createTag(alice, { name: "Custom Slugged", slug: "custom-x" });
    expect(await update(alice, { id: tag.id, description: "now described" })).toMatchObject({
      name: "Custom Slugged",
      slug: "custom-x",
      description: "now described",
    });
    expect(await update(alice, { id: tag.id, name: "Custom Slugged" })).toMatchObject({ slug: "custom-x" });
  });

  it("refuses a rename or slug change onto another tag's slug with CONFLICT and changes nothing", async () => {
    const alpha = await createTag(alice, { name: "Alpha Dup" });
    const beta = await createTag(alice, { name: "Beta Dup" });

    expectError(await alice.gql(UPDATE_TAG, { input: { id: beta.id, name: "alpha dup" } }), "CONFLICT", "Tag with slug 'alpha-dup' already exists");
    expectError(await alice.gql(UPDATE_TAG, { input: { id: beta.id, slug: "alpha-dup" } }), "CONFLICT", "Tag with slug 'alpha-dup' already exists");
    expectError(
      await alice.gql(UPDATE_TAG, { input: { id: beta.id, name: "Whatever", slug: "alpha-dup" } }),
      "CONFLICT",
      "Tag with slug 'alpha-dup' already exists",
    );

    expect(await readTag(alice, beta.id)).toEqual(beta);
    expect(await readTag(alice, alpha.id)).toEqual(alpha);
  });

  it("clears the description with null, leaves it alone when absent, and resets metadata with null", async () => {
    const tag = await createTag(alice, { name: "Describe", description: "to be cleared", metadata: { a: [1, 2] } });
    expect(await update(alice, { id: tag.id, name: "Describe Me" })).toMatchObject({ description: "to be cleared", metadata: { a: [1, 2] } });
    expect(await update(alice, { id: tag.id, description: null })).toMatchObject({ name: "Describe Me", description: null, metadata: { a: [1, 2] } });
    expect(await update(alice, { id: tag.id, metadata: { b: true } })).toMatchObject({ metadata: { b: true } });
    expect(await update(alice, { id: tag.id, metadata: null })).toMatchObject({ metadata: {} });
    expect(await readTag(alice, tag.id)).toMatchObject({ description: null, metadata: {} });
  });

  let invalidCase = 0;
  it.each([
    [{ name: null }, "name"],
    [{ name: "" }, "name"],
    [{ name: "x".repeat(101) }, "name"],
    [{ slug: null }, "slug"],
    [{ slug: "Bad Slug" }, "slug"],
    [{ metadata: [1] }, "metadata"],
  ])("rejects %j with BAD_USER_INPUT naming the field", async (change, field) => {
    const tag = await createTag(alice, { name: `Invalid ${field} ${++invalidCase}` });
    const result = await alice.gql(UPDATE_TAG, { input: { id: tag.id, ...change } });
    expectError(result, "BAD_USER_INPUT");
    expect(fieldErrors(result).map((e) => e.field)).toEqual([field]);
    expect(await readTag(alice, tag.id)).toEqual(tag);
  });

  it("rejects a new name without alphanumerics when the slug would be derived from it", async () => {
    const tag = await createTag(alice, { name: "Will Not Change" });
    const result = await alice.gql(UPDATE_TAG, { input: { id: tag.id, name: "?!?" } });
    expectError(result, "BAD_USER_INPUT", "Tag name must contain at least one alphanumeric character");
    expect(await readTag(alice, tag.id)).toEqual(tag);
  });

  it("fails NOT_FOUND for an unknown tag and for another tenant's tag, leaving the latter unchanged", async () => {
    expectError(await alice.gql(UPDATE_TAG, { input: { id: UNKNOWN_ID, name: "Ghost" } }), "NOT_FOUND", "Tag not found");

    const other = await newTenant(server);
    const carol = await other.user("carol");
    const foreign = await createTag(carol, { name: "Foreign Tag", description: "theirs" });
    expectError(
      await alice.gql(UPDATE_TAG, { input: { id: foreign.id, name: "Hijacked", description: null } }),
      "NOT_FOUND",
      "Tag not found",
    );
    expect(await readTag(carol, foreign.id)).toEqual(foreign);
  });

  it("fails UNAUTHENTICATED for anonymous callers", async () => {
    const tag = await createTag(alice, { name: "Anon Target" });
    expectError(await tenant.anonymous.gql(UPDATE_TAG, { input: { id: tag.id, name: "Changed" } }), "UNAUTHENTICATED");
    expect(await readTag(alice, tag.id)).toEqual(tag);
  });
});

describe("deleteTag", () => {
  it("deletes the tag, unlinks it from generations and keeps the generations", async () => {
    const { tenant, owner, boardId, generationId } = await boardWithGeneration();
    const keep = await createTag(owner, { name: "keep" });
    const drop = await createTag(owner, { name: "drop" });
    const other = await addGeneration(server, boardId, owner.id);
    for (const g of [generationId, other.id]) {
      for (const t of [keep, drop]) await owner.ok(ADD_TAG, { generationId: g, tagId: t.id });
    }
    expect(await generationTagNames(owner, generationId)).toEqual(["drop", "keep"]);

    const member = await tenant.user("someone");
    // Any signed-in user of the tenant may delete tags.
    expect(expectData(await member.gql<{ deleteTag: boolean }>(DELETE_TAG, { id: drop.id })).deleteTag).toBe(true);

    expect(await readTag(owner, drop.id)).toBeNull();
    expect(await tagNames(owner)).toEqual(["keep"]);
    expect(await generationTagNames(owner, generationId)).toEqual(["keep"]);
    expect(await generationTagNames(owner, other.id)).toEqual(["keep"]);
    // Deleting it again: it is gone.
    expectError(await owner.gql(DELETE_TAG, { id: drop.id }), "NOT_FOUND", "Tag not found");
  });

  it("fails NOT_FOUND for an unknown tag and another tenant's tag, which survives", async () => {
    const tenantA = await newTenant(server);
    const tenantB = await newTenant(server);
    const alice = await tenantA.user("alice");
    const bob = await tenantB.user("bob");
    const tag = await createTag(alice, { name: "Survivor" });
    expectError(await bob.gql(DELETE_TAG, { id: UNKNOWN_ID }), "NOT_FOUND", "Tag not found");
    expectError(await bob.gql(DELETE_TAG, { id: tag.id }), "NOT_FOUND", "Tag not found");
    expect(await readTag(alice, tag.id)).toEqual(tag);
  });

  it("fails UNAUTHENTICATED for anonymous callers", async () => {
    const tenant = await newTenant(server);
    const alice = await tenant.user("alice");
    const tag = await createTag(alice, { name: "Stays" });
    expectError(await tenant.anonymous.gql(DELETE_TAG, { id: tag.id }), "UNAUTHENTICATED");
    expect(await readTag(alice, tag.id)).toEqual(tag);
  });
});

describe("addTagToGeneration", () => {
  it("links the tag, returns it, and is idempotent", async () => {
    const { owner, generationId } = await boardWithGeneration();
    const tag = await createTag(owner, { name: "Favourite" });
    const first = expectData(await owner.gql<{ addTagToGeneration: { id: string; name: string; slug: string } }>(ADD_TAG, { generationId, tagId: tag.id }));
    expect(first.addTagToGeneration).toEqual({ id: tag.id, name: "Favourite", slug: "favourite" });
    const second = expectData(await owner.gql<{ addTagToGeneration: { id: string } }>(ADD_TAG, { generationId, tagId: tag.id }));
    expect(second.addTagToGeneration.id).toBe(tag.id);

    const data = await owner.ok<{ generation: { tags: Array<{ id: string; slug: string }> } }>(
      `query($id: UUID!) { generation(id: $id) { tags { id slug } } }`,
      { id: generationId },
    );
    expect(data.generation.tags).toEqual([{ id: tag.id, slug: "favourite" }]);
  });

  it("lists Generation.tags ordered by name", async () => {
    const { owner, generationId } = await boardWithGeneration();
    for (const name of ["zeta", "alpha", "mu", "beta"]) {
      const tag = await createTag(owner, { name });
      await owner.ok(ADD_TAG, { generationId, tagId: tag.id });
    }
    expect(await generationTagNames(owner, generationId)).toEqual(["alpha", "beta", "mu", "zeta"]);
  });

  it.each<Role>(["EDITOR", "ADMIN"])("allows a board %s", async (role) => {
    const { tenant, owner, boardId, generationId } = await boardWithGeneration();
    const member = await tenant.user("member");
    await addBoardMember(owner, boardId, member.id, role);
    const tag = await createTag(member, { name: `by ${role.toLowerCase()}` });
    const data = expectData(await member.gql<{ addTagToGeneration: { id: string } }>(ADD_TAG, { generationId, tagId: tag.id }));
    expect(data.addTagToGeneration.id).toBe(tag.id);
    expect(await generationTagNames(owner, generationId)).toEqual([`by ${role.toLowerCase()}`]);
  });

  it("refuses a board viewer with FORBIDDEN and links nothing", async () => {
    const { tenant, owner, boardId, generationId } = await boardWithGeneration();
    const viewer = await tenant.user("viewer");
    await addBoardMember(owner, boardId, viewer.id, "VIEWER");
    const tag = await createTag(viewer, { name: "Nope" });
    expectError(
      await viewer.gql(ADD_TAG, { generationId, tagId: tag.id }),
      "FORBIDDEN",
      "Permission denied: only board owner or editor can modify generation tags",
    );
    expect(await generationTagNames(viewer, generationId)).toEqual([]);
  });

  it("refuses a non-member of a public board with FORBIDDEN (may see, may not change)", async () => {
    const { tenant, owner, generationId } = await boardWithGeneration(true);
    const stranger = await tenant.user("stranger");
    const tag = await createTag(stranger, { name: "Drive-by" });
    expect(await generationTagNames(stranger, generationId)).toEqual([]);
    expectError(
      await stranger.gql(ADD_TAG, { generationId, tagId: tag.id }),
      "FORBIDDEN",
      "Permission denied: only board owner or editor can modify generation tags",
    );
    expect(await generationTagNames(owner, generationId)).toEqual([]);
  });

  it("fails NOT_FOUND for a generation on a private board the caller cannot see", async () => {
    const { tenant, owner, generationId } = await boardWithGeneration();
    const stranger = await tenant.user("stranger");
    const tag = await createTag(stranger, { name: "Hidden" });
    expectError(await stranger.gql(ADD_TAG, { generationId, tagId: tag.id }), "NOT_FOUND", "Generation not found");
    expect(await generationTagNames(owner, generationId)).toEqual([]);
  });

  it("fails NOT_FOUND for an unknown generation", async () => {
    const { owner } = await boardWithGeneration();
    const tag = await createTag(owner, { name: "Orphan" });
    expectError(await owner.gql(ADD_TAG, { generationId: UNKNOWN_ID, tagId: tag.id }), "NOT_FOUND", "Generation not found");
  });

  it("fails NOT_FOUND for an unknown tag and for another tenant's tag", async () => {
    const { owner, generationId } = await boardWithGeneration();
    expectError(await owner.gql(ADD_TAG, { generationId, tagId: UNKNOWN_ID }), "NOT_FOUND", "Tag not found");

    const other = await newTenant(server);
    const carol = await other.user("carol");
    const foreign = await createTag(carol, { name: "Foreign" });
    expectError(await owner.gql(ADD_TAG, { generationId, tagId: foreign.id }), "NOT_FOUND", "Tag not found");
    expect(await generationTagNames(owner, generationId)).toEqual([]);
  });

  it("fails UNAUTHENTICATED for anonymous callers, even on a public board", async () => {
    const { tenant, owner, generationId } = await boardWithGeneration(true);
    const tag = await createTag(owner, { name: "Public" });
    expect(await generationTagNames(tenant.anonymous, generationId)).toEqual([]);
    expectError(await tenant.anonymous.gql(ADD_TAG, { generationId, tagId: tag.id }), "UNAUTHENTICATED");
    expect(await generationTagNames(owner, generationId)).toEqual([]);
  });
});

describe("removeTagFromGeneration", () => {
  async function tagged() {
    const setup = await boardWithGeneration();
    const tag = await createTag(setup.owner, { name: "Linked" });
    const other = await createTag(setup.owner, { name: "Also linked" });
    await setup.owner.ok(ADD_TAG, { generationId: setup.generationId, tagId: tag.id });
    await setup.owner.ok(ADD_TAG, { generationId: setup.generationId, tagId: other.id });
    return { ...setup, tag, other };
  }

  it("unlinks the tag and returns true; removing it again fails NOT_FOUND", async () => {
    const { owner, generationId, tag } = await tagged();
    const data = expectData(await owner.gql<{ removeTagFromGeneration: boolean }>(REMOVE_TAG, { generationId, tagId: tag.id }));
    expect(data.removeTagFromGeneration).toBe(true);
    expect(await generationTagNames(owner, generationId)).toEqual(["Also linked"]);
    // The tag itself still exists.
    expect((await readTag(owner, tag.id))?.name).toBe("Linked");
    expectError(await owner.gql(REMOVE_TAG, { generationId, tagId: tag.id }), "NOT_FOUND", "Tag is not associated with this generation");
  });

  it("fails NOT_FOUND for a tag that was never linked", async () => {
    const { owner, generationId } = await tagged();
    const loose = await createTag(owner, { name: "Loose" });
    expectError(await owner.gql(REMOVE_TAG, { generationId, tagId: loose.id }), "NOT_FOUND", "Tag is not associated with this generation");
    expect(await generationTagNames(owner, generationId)).toEqual(["Also linked", "Linked"]);
  });

  it.each<Role>(["EDITOR", "ADMIN"])("allows a board %s", async (role) => {
    const { tenant, owner, boardId, generationId, tag } = await tagged();
    const member = await tenant.user("member");
    await addBoardMember(owner, boardId, member.id, role);
    expect(expectData(await member.gql<{ removeTagFromGeneration: boolean }>(REMOVE_TAG, { generationId, tagId: tag.id })).removeTagFromGeneration).toBe(true);
    expect(await generationTagNames(owner, generationId)).toEqual(["Also linked"]);
  });

  it("refuses a board viewer with FORBIDDEN and keeps the link", async () => {
    const { tenant, owner, boardId, generationId, tag } = await tagged();
    const viewer = await tenant.user("viewer");
    await addBoardMember(owner, boardId, viewer.id, "VIEWER");
    expectError(
      await viewer.gql(REMOVE_TAG, { generationId, tagId: tag.id }),
      "FORBIDDEN",
      "Permission denied: only board owner or editor can modify generation tags",
    );
    expect(await generationTagNames(owner, generationId)).toEqual(["Also linked", "Linked"]);
  });

  it("fails NOT_FOUND for an unknown generation, an unknown tag, or another tenant's generation", async () => {
    const { owner, generationId, tag } = await tagged();
    expectError(await owner.gql(REMOVE_TAG, { generationId: UNKNOWN_ID, tagId: tag.id }), "NOT_FOUND", "Generation not found");
    expectError(await owner.gql(REMOVE_TAG, { generationId, tagId: UNKNOWN_ID }), "NOT_FOUND", "Tag not found");

    const other = await newTenant(server);
    const carol = await other.user("carol");
    expectError(await carol.gql(REMOVE_TAG, { generationId, tagId: tag.id }), "NOT_FOUND", "Generation not found");
    expect(await generationTagNames(owner, generationId)).toEqual(["Also linked", "Linked"]);
  });
});

describe("anonymous callers", () => {
  it("get UNAUTHENTICATED from every tag mutation and change nothing", async () => {
    const { tenant, owner, generationId } = await boardWithGeneration(true);
    const tag = await createTag(owner, { name: "Guarded", description: "original" });
    const linked = await createTag(owner, { name: "Linked Guard" });
    await owner.ok(ADD_TAG, { generationId, tagId: linked.id });

    const attempts: Array<[string, Record<string, unknown>]> = [
      [CREATE_TAG, { input: { name: "Anon" } }],
      [UPDATE_TAG, { input: { id: tag.id, description: null } }],
      [DELETE_TAG, { id: tag.id }],
      [ADD_TAG, { generationId, tagId: tag.id }],
      [REMOVE_TAG, { generationId, tagId: linked.id }],
    ];
    for (const [query, variables] of attempts) {
      const result = await tenant.anonymous.gql(query, variables);
      expectError(result, "UNAUTHENTICATED");
      expect(result.data ?? null).toBeNull();
    }

    expect(await tagNames(owner)).toEqual(["Guarded", "Linked Guard"]);
    expect(await readTag(owner, tag.id)).toEqual(tag);
    expect(await generationTagNames(owner, generationId)).toEqual(["Linked Guard"]);
  });
});
