import { describe, expect, it } from "vitest";
import { embeddedIpv4, ipv6Bytes } from "./embeddedIpv4.js";
import { isBlockedAddress } from "./safeFetch.js";

describe("ipv6Bytes", () => {
  it("expands :: and dotted tails", () => {
    expect(Buffer.from(ipv6Bytes("2001:db8::1")!).toString("hex")).toBe("20010db8000000000000000000000001");
    expect(Buffer.from(ipv6Bytes("::ffff:127.0.0.1")!).toString("hex")).toBe("00000000000000000000ffff7f000001");
    expect(Buffer.from(ipv6Bytes("fe80::1%eth0")!).toString("hex")).toBe("fe800000000000000000000000000001");
    expect(ipv6Bytes("127.0.0.1")).toBeNull();
    expect(ipv6Bytes("not an address")).toBeNull();
  });
});

describe("embeddedIpv4", () => {
  it.each([
    ["::ffff:7f00:1", "127.0.0.1"],
    ["::ffff:127.0.0.1", "127.0.0.1"],
    ["::7f00:1", "127.0.0.1"],
    ["::ffff:0:a9fe:a9fe", "169.254.169.254"],
    ["64:ff9b::a9fe:a9fe", "169.254.169.254"],
    ["64:ff9b::8.8.8.8", "8.8.8.8"],
    ["2002:c0a8:101::1", "192.168.1.1"],
    ["64:ff9b:1::1", "opaque"],
    ["2001:0:4136:e378:8000:63bf:80ff:fffe", "opaque"],
    ["2606:4700:4700::1111", null],
  ])("%s leads to %s", (address, inner) => {
    expect(embeddedIpv4(address)).toBe(inner);
  });
});

describe("isBlockedAddress with embedded IPv4", () => {
  it.each(["::ffff:7f00:1", "::7f00:1", "::127.0.0.1", "::ffff:0:7f00:1", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b::10.0.0.1", "2002:7f00:1::", "2002:a00:1::5", "64:ff9b:1::1", "2001:0:4136:e378:8000:63bf:80ff:fffe", "100::1"])(
    "refuses %s",
    (address) => expect(isBlockedAddress(address)).toBe(true),
  );
  it.each(["64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8"])("allows %s (a public IPv4 inside)", (address) => {
    expect(isBlockedAddress(address)).toBe(false);
  });
});
