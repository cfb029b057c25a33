import { describe, expect, it } from "vitest";
import { TenantDirectory } from "./tenantDirectory.js";

/** A stand-in for the event bus's tenant-change listener, driven by the test. */
function changeSource(available = true) {
  const source = {
    available,
    onChange: undefined as (() => void) | undefined,
    onLost: undefined as (() => void) | undefined,
    attempts: 0,
    stopped: 0,
    watchTenantChanges(onChange: () => void, onLost: () => void) {
      source.attempts += 1;
      if (!source.available) return Promise.resolve(undefined);
      source.onChange = onChange;
      source.onLost = onLost;
      return Promise.resolve(() => void (source.stopped += 1));
    },
  };
  return source;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

async function listening(clock = { t: 0 }, source = changeSource()) {
  const directory = new TenantDirectory(source, 60_000, () => clock.t);
  expect(directory.idOf("acme")).toBeUndefined();
  await settle();
  return { directory, source, clock };
}

describe("TenantDirectory", () => {
  it("serves nothing until it listens to tenant changes, then what it was told", async () => {
    const source = changeSource();
    const directory = new TenantDirectory(source, 60_000, () => 0);
    directory.remember("acme", "id-1", directory.ticket());
    expect(directory.idOf("acme")).toBeUndefined();
    await settle();
    expect(directory.idOf("acme")).toBeUndefined();
    directory.remember("acme", "id-1", directory.ticket());
    expect(directory.idOf("acme")).toBe("id-1");
    expect(directory.idOf("other")).toBeUndefined();
    expect(source.attempts).toBe(1);
  });

  it("voids a read that started before listening began", async () => {
    const source = changeSource();
    const directory = new TenantDirectory(source, 60_000, () => 0);
    const early = directory.ticket();
    directory.idOf("acme");
    await settle();
    directory.remember("acme", "id-1", early);
    expect(directory.idOf("acme")).toBeUndefined();
  });

  it("forgets everything on a change, and keeps no read that raced it", async () => {
    const { directory, source } = await listening();
    directory.remember("acme", "id-1", directory.ticket());
    const racing = directory.ticket();
    source.onChange!();
    expect(directory.idOf("acme")).toBeUndefined();
    directory.remember("acme", "old-id", racing);
    expect(directory.idOf("acme")).toBeUndefined();
    directory.remember("acme", "id-2", directory.ticket());
    expect(directory.idOf("acme")).toBe("id-2");
  });

  it("lets entries expire", async () => {
    const { directory, clock } = await listening();
    directory.remember("acme", "id-1", directory.ticket());
    clock.t = 59_999;
    expect(directory.idOf("acme")).toBe("id-1");
    clock.t = 60_000;
    expect(directory.idOf("acme")).toBeUndefined();
  });

  it("serves nothing while the bus is away, and listens again a second later", async () => {
    const { directory, source, clock } = await listening();
    directory.remember("acme", "id-1", directory.ticket());
    source.onLost!();
    expect(directory.idOf("acme")).toBeUndefined();
    source.available = false;
    clock.t = 1000;
    directory.idOf("acme");
    await settle();
    expect(source.attempts).toBe(2);
    // Refused: no attempt before another second has passed.
    clock.t = 1500;
    directory.idOf("acme");
    expect(source.attempts).toBe(2);
    source.available = true;
    clock.t = 2000;
    directory.idOf("acme");
    await settle();
    expect(source.attempts).toBe(3);
    directory.remember("acme", "id-1", directory.ticket());
    expect(directory.idOf("acme")).toBe("id-1");
  });

  it("stops listening when closed", async () => {
    const { directory, source } = await listening();
    directory.remember("acme", "id-1", directory.ticket());
    directory.close();
    expect(source.stopped).toBe(1);
    expect(directory.idOf("acme")).toBeUndefined();
    await settle();
    expect(source.attempts).toBe(1);
  });
});
