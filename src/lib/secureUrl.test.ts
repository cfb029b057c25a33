import { describe, expect, it } from "vitest";
import { endpointUrlProblem, isLoopbackHost } from "./secureUrl.js";

describe("endpointUrlProblem", () => {
  it.each(["https://idp.example", "https://idp.example:8443/realms/x", "http://127.0.0.1:9000/jwks", "http://127.9.8.7/", "http://localhost:3000", "http://[::1]:8080/x", "http://auth.localhost/"])(
    "accepts %s",
    (url) => {
      expect(endpointUrlProblem(url)).toBeNull();
    },
  );

  it.each([
    ["http://idp.example", /https/],
    ["http://10.0.0.1/jwks", /https/],
    ["http://128.0.0.1/jwks", /https/],
    ["http://localhost.example.com/", /https/],
    ["ftp://idp.example/jwks", /https URL/],
    ["idp.example/jwks", /absolute/],
    ["https://user:pass@idp.example/", /credentials/],
    ["https://idp.example/#frag", /fragment/],
  ])("refuses %s", (url, problem) => {
    expect(endpointUrlProblem(url)).toMatch(problem);
  });

  it("knows loopback hosts", () => {
    expect(isLoopbackHost("LOCALHOST")).toBe(true);
    expect(isLoopbackHost("[::1]")).toBe(true);
    expect(isLoopbackHost("::2")).toBe(false);
    expect(isLoopbackHost("127.0.0.1.nip.io")).toBe(false);
  });
});
