// Preloaded for the Prisma CLI only. Prisma's WASM schema engine leaves two 10 s timers armed
// after a migrate command has finished, so the process idles for ~10 s before exiting.
// Unref'ing long timers lets it exit as soon as the real work is done.
const originalSetTimeout = globalThis.setTimeout;
globalThis.setTimeout = function setTimeoutUnrefLong(fn, ms, ...args) {
  const timer = originalSetTimeout(fn, ms, ...args);
  if (typeof ms === "number" && ms >= 5000 && timer && typeof timer.unref === "function") timer.unref();
  return timer;
};
