import { describe, expect, it } from "vitest";
import { expandString, expandVariables } from "./expandVariables.js";

describe("expandString", () => {
  const vars = { BUCKET: "media", EMPTY: "", REGION: "eu-west-1" };

  it("replaces set variables, several per value", () => {
    expect(expandString("s3://${BUCKET}/${REGION}", vars, "x")).toEqual({ value: "s3://media/eu-west-1", problems: [] });
  });

  it("uses the default when the variable is unset or empty", () => {
    expect(expandString("${MISSING:-us-east-1}", vars, "x").value).toBe("us-east-1");
    expect(expandString("${EMPTY:-fallback}", vars, "x").value).toBe("fallback");
    expect(expandString("${BUCKET:-fallback}", vars, "x").value).toBe("media");
    expect(expandString("${MISSING:-}", vars, "x")).toEqual({ value: "", problems: [] });
  });

  it("reports an unset variable with no default, naming where it was", () => {
    const result = expandString("${NOPE}", vars, "providers.s3.config.bucket");
    expect(result.problems).toEqual([expect.stringMatching(/^providers\.s3\.config\.bucket: environment variable NOPE is not set/)]);
    expect(expandString("${EMPTY}", vars, "x").problems).toHaveLength(1);
  });

  it("keeps $$ as a literal dollar and leaves other dollars alone", () => {
    expect(expandString("cost $$5 and $HOME and $$${BUCKET}", vars, "x")).toEqual({ value: "cost $5 and $HOME and $media", problems: [] });
  });

  it("reports malformed placeholders instead of guessing", () => {
    expect(expandString("${1BAD}", vars, "x").problems).toHaveLength(1);
    expect(expandString("${UNCLOSED", vars, "x").problems).toHaveLength(1);
    expect(expandString("${}", vars, "x").problems).toHaveLength(1);
  });

  it("does not expand recursively: a value that looks like a placeholder stays as it is", () => {
    expect(expandString("${TRICK}", { TRICK: "${BUCKET}" }, "x").value).toBe("${BUCKET}");
  });
});

describe("expandVariables", () => {
  it("expands strings at any depth and keeps keys and other values", () => {
    const doc = { "${KEY}": "${KEY}", n: 3, on: true, none: null, list: ["${KEY}", 1] };
    expect(expandVariables(doc, { KEY: "v" })).toEqual({
      value: { "${KEY}": "v", n: 3, on: true, none: null, list: ["v", 1] },
      problems: [],
    });
  });

  it("names the path of every problem", () => {
    const { problems } = expandVariables({ providers: { s3: { config: { bucket: "${A}", keys: ["${B}"] } } } }, {});
    expect(problems).toEqual([
      expect.stringMatching(/^providers\.s3\.config\.bucket: .*A is not set/),
      expect.stringMatching(/^providers\.s3\.config\.keys\[0\]: .*B is not set/),
    ]);
  });
});
