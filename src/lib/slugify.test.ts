import { describe, expect, it } from "vitest";
import { SLUG_PATTERN, slugify } from "./slugify.js";

describe("slugify", () => {
  it.each([
    ["Hello World", "hello-world"],
    ["Hello! @World#", "hello-world"],
    ["  snake_case  name ", "snake-case-name"],
    ["a--b---c", "a-b-c"],
    ["-leading and trailing-", "leading-and-trailing"],
    ["Ünïcödé", "ncd"],
    ["!!!", ""],
  ])("%j → %j", (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  it("always yields a valid slug or nothing", () => {
    for (const name of ["Foo Bar", "x_y", "1 2 3", "Über-Cool", "__"]) {
      const slug = slugify(name);
      if (slug) expect(slug).toMatch(SLUG_PATTERN);
    }
  });
});
