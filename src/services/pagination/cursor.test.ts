import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor, type CursorValue } from "./cursor.js";

const ID = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";
const OTHER_ID = "6f1c2a3b-0000-4000-8000-00000000beef";
const SIG = "Board:title.asc,createdAt.desc";

function thrown(fn: () => unknown): GraphQLError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, "expected a GraphQLError to be thrown").toBeInstanceOf(GraphQLError);
  return caught as GraphQLError;
}

function expectRefused(cursor: string, signature = SIG, keyCount = 2, argument = "after") {
  const error = thrown(() => decodeCursor(cursor, signature, keyCount, argument));
  expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", argument });
  expect(error.message).toContain(argument);
  return error;
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64url");

describe("encodeCursor / decodeCursor", () => {
  it.each<{ name: string; values: CursorValue[] }>([
    { name: "a string and a date string", values: ["alpha", "2025-01-01T12:00:00.000Z"] },
    { name: "numbers and booleans", values: [42, true] },
    { name: "empty and unicode strings", values: ["", "Ünïcode ✓ 100% a_b \\ \"quoted\""] },
  ])("round-trips $name", ({ values }) => {
    const cursor = encodeCursor(SIG, values, ID);
    expect(decodeCursor(cursor, SIG, values.length, "after")).toEqual({ values, id: ID });
  });

  it("round-trips a cursor without sort keys", () => {
    expect(decodeCursor(encodeCursor("Tag:", [], ID), "Tag:", 0, "before")).toEqual({ values: [], id: ID });
  });

  it("is URL-safe text", () => {
    const cursor = encodeCursor(SIG, ["a/b+c?d=e&f", "ÿ"], ID);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("differs between rows", () => {
    expect(encodeCursor(SIG, ["a", "b"], ID)).not.toBe(encodeCursor(SIG, ["a", "b"], OTHER_ID));
    expect(encodeCursor(SIG, ["a", "b"], ID)).not.toBe(encodeCursor(SIG, ["a", "c"], ID));
  });

  it("refuses a cursor of another list or ordering, naming the argument", () => {
    const cursor = encodeCursor(SIG, ["alpha", "2025-01-01T12:00:00.000Z"], ID);
    expectRefused(cursor, "Tag:title.asc,createdAt.desc");
    expectRefused(cursor, "Board:title.desc,createdAt.desc", 2, "before");
    expectRefused(cursor, "Board:title.asc,createdAt.asc");
    expectRefused(cursor, "Board:title.asc", 1);
  });

  it("refuses a cursor with the wrong number of sort keys", () => {
    expectRefused(encodeCursor(SIG, ["alpha"], ID));
    expectRefused(encodeCursor(SIG, ["alpha", "x", "y"], ID));
  });

  it.each<{ name: string; cursor: string }>([
    { name: "an empty string", cursor: "" },
    { name: "non-base64url characters", cursor: "abc$def" },
    { name: "spaces", cursor: "abc def" },
    { name: "not JSON", cursor: b64("hello world") },
    { name: "JSON null", cursor: b64("null") },
    { name: "a JSON number", cursor: b64("42") },
    { name: "a JSON string", cursor: b64('"cursor"') },
    { name: "a JSON array", cursor: b64("[1,2]") },
    { name: "another version", cursor: b64(JSON.stringify({ v: 2, s: SIG, k: ["a", "b"], id: ID })) },
    { name: "no version", cursor: b64(JSON.stringify({ s: SIG, k: ["a", "b"], id: ID })) },
    { name: "no id", cursor: b64(JSON.stringify({ v: 1, s: SIG, k: ["a", "b"] })) },
    { name: "an id that is not a UUID", cursor: b64(JSON.stringify({ v: 1, s: SIG, k: ["a", "b"], id: "42" })) },
    { name: "a numeric id", cursor: b64(JSON.stringify({ v: 1, s: SIG, k: ["a", "b"], id: 42 })) },
    { name: "keys that are not a list", cursor: b64(JSON.stringify({ v: 1, s: SIG, k: "a,b", id: ID })) },
    { name: "a null key value", cursor: b64(JSON.stringify({ v: 1, s: SIG, k: ["a", null], id: ID })) },
    { name: "an object key value", cursor: b64(JSON.stringify({ v: 1, s: SIG, k: ["a", { x: 1 }], id: ID })) },
    { name: "a list key value", cursor: b64(JSON.stringify({ v: 1, s: SIG, k: ["a", ["b"]], id: ID })) },
    { name: "a truncated cursor", cursor: encodeCursor(SIG, ["a", "b"], ID).slice(0, -3) },
  ])("refuses $name", ({ cursor }) => {
    expectRefused(cursor);
    expectRefused(cursor, SIG, 2, "before");
  });

  it("accepts a cursor built by hand with the documented shape", () => {
    const cursor = b64(JSON.stringify({ v: 1, s: SIG, k: ["a", "b"], id: ID }));
    expect(decodeCursor(cursor, SIG, 2, "after")).toEqual({ values: ["a", "b"], id: ID });
  });
});
