import { describe, expect, it } from "vitest";
import { HttpProblem } from "./HttpProblem.js";
import { multipartOperations } from "./multipartOperations.js";

const operations = (variables: unknown) => JSON.stringify({ query: "mutation($input: X!) { x(input: $input) }", variables });

/** The HttpProblem `run` throws; fails the test if it throws nothing or something else. */
function refusal(run: () => unknown): HttpProblem {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(HttpProblem);
    return error as HttpProblem;
  }
  throw new Error("expected a refusal");
}

describe("multipartOperations", () => {
  it("puts each file's placeholder at every path the map gives, leaving the rest as sent", () => {
    const parsed = multipartOperations(
      operations({ input: { boardId: "b", file: null, also: [1, null] }, other: "kept" }),
      JSON.stringify({ 0: ["variables.input.file", "variables.input.also.1"] }),
      1,
    );
    expect(parsed.fileFields).toEqual(["0"]);
    expect(parsed.withPlaceholders(new Map([["0", "ph-0"]]))).toEqual({
      query: "mutation($input: X!) { x(input: $input) }",
      variables: { input: { boardId: "b", file: "ph-0", also: [1, "ph-0"] }, other: "kept" },
    });
  });

  it("does not change the parsed operation when placing placeholders", () => {
    const parsed = multipartOperations(operations({ file: null }), JSON.stringify({ a: ["variables.file"] }), 1);
    expect(parsed.withPlaceholders(new Map([["a", "first"]]))).toMatchObject({ variables: { file: "first" } });
    expect(parsed.withPlaceholders(new Map([["a", "second"]]))).toMatchObject({ variables: { file: "second" } });
  });

  it("accepts an empty map (an operation without files)", () => {
    const parsed = multipartOperations(operations({}), "{}", 1);
    expect(parsed.fileFields).toEqual([]);
    expect(parsed.withPlaceholders(new Map())).toMatchObject({ variables: {} });
  });

  it("refuses a file the map names but that was not sent", () => {
    const parsed = multipartOperations(operations({ file: null }), JSON.stringify({ 0: ["variables.file"] }), 1);
    expect(refusal(() => parsed.withPlaceholders(new Map())).message).toBe("The file '0' named in the map was not sent");
  });

  it.each([
    ["operations that are not JSON", "{nope", `{"0":["variables.file"]}`, /'operations' field must be valid JSON/],
    ["a batch", JSON.stringify([{ query: "{ a }" }]), "{}", /Batched operations are not supported/],
    ["operations that are not an object", "42", "{}", /'operations' field must be a JSON object/],
    ["variables that are not an object", JSON.stringify({ query: "{ a }", variables: [null] }), "{}", /'variables' must be a JSON object/],
    ["a map that is not JSON", operations({ file: null }), "[0:", /'map' field must be valid JSON/],
    ["a map that is an array", operations({ file: null }), `[["variables.file"]]`, /'map' field must be a JSON object/],
    ["more files than allowed", operations({ a: null, b: null }), `{"0":["variables.a"],"1":["variables.b"]}`, /Too many files in the map: at most 1/],
    ["a path outside the variables", operations({ file: null }), `{"0":["query"]}`, /must point into the operation's variables/],
    ["a path to the variables object itself", operations({ file: null }), `{"0":["variables"]}`, /must point into the operation's variables/],
    ["a path to a missing variable", operations({ file: null }), `{"0":["variables.upload"]}`, /'variables.upload' must name a variable of the operation whose value is null/],
    ["a path through a missing object", operations({ file: null }), `{"0":["variables.input.file"]}`, /'variables.input.file' does not exist in the operation/],
    ["a path through a string", operations({ input: "text" }), `{"0":["variables.input.file"]}`, /does not exist in the operation/],
    ["a path to a value that is not null", operations({ file: "x" }), `{"0":["variables.file"]}`, /whose value is null/],
    ["an array index out of range", operations({ files: [null] }), `{"0":["variables.files.1"]}`, /whose value is null/],
    ["a path into the prototype", operations({ file: null }), `{"0":["variables.__proto__.polluted"]}`, /is not a valid path/],
    ["an empty path segment", operations({ file: null }), `{"0":["variables..file"]}`, /is not a valid path/],
    ["a path that is not a string", operations({ file: null }), `{"0":[1]}`, /must be an array of paths/],
    ["an empty path list", operations({ file: null }), `{"0":[]}`, /must be an array of 1 to 10 paths/],
    ["a path list that is not an array", operations({ file: null }), `{"0":"variables.file"}`, /must be an array of 1 to 10 paths/],
    ["a file field name with odd characters", operations({ file: null }), `{"a b":["variables.file"]}`, /'a b' is not a valid file field name/],
    ["a reserved file field name", operations({ file: null }), `{"map":["variables.file"]}`, /'map' is not a valid file field name/],
  ])("refuses %s", (_, operationsText, mapText, message) => {
    const problem = refusal(() => multipartOperations(operationsText, mapText, 1));
    expect(problem.status).toBe(400);
    expect(problem.message).toMatch(message);
  });

  it("refuses the same path for two files", () => {
    const problem = refusal(() => multipartOperations(operations({ file: null }), `{"0":["variables.file"],"1":["variables.file"]}`, 2));
    expect(problem.message).toBe("The map path 'variables.file' is given more than once");
  });

  it("leaves Object.prototype alone whatever the paths say", () => {
    refusal(() => multipartOperations(JSON.stringify({ variables: { ["__proto__"]: { polluted: null } } }), `{"0":["variables.__proto__.polluted"]}`, 1));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
