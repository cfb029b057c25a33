/**
 * The optional ffmpeg binary, used for video poster frames. Files are untrusted input, so
 * ffmpeg may only open local files in container formats that hold video (no playlists, no
 * concat lists, no network protocols: an HLS "video" naming file:///etc/passwd stays unread),
 * runs without stdin, and is killed past a time limit.
 */
import { spawn } from "node:child_process";

/** Container formats (demuxers) ffmpeg may open: MP4/QuickTime family, Matroska/WebM, AVI. */
const FORMAT_WHITELIST = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi";
const MAX_STDERR = 64 * 1024;

type RunResult = { code: number | null; stdout: Buffer; stderr: string };

function run(path: string, args: string[], options: { timeoutMs: number; maxStdout: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { stdio: ["ignore", "pipe", "pipe"], timeout: options.timeoutMs, killSignal: "SIGKILL" });
    const out: Buffer[] = [];
    let outLength = 0;
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      outLength += chunk.length;
      if (outLength > options.maxStdout) child.kill("SIGKILL");
      else out.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      if (stderr.length < MAX_STDERR) stderr += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (signal) reject(new Error(outLength > options.maxStdout ? "ffmpeg output too large" : `ffmpeg stopped by ${signal} (time limit ${options.timeoutMs} ms)`));
      else resolve({ code, stdout: Buffer.concat(out), stderr });
    });
  });
}

/** Whether `path` runs as ffmpeg (false when it is missing or broken). */
export async function ffmpegWorks(path: string): Promise<boolean> {
  try {
    const { code, stdout } = await run(path, ["-hide_banner", "-version"], { timeoutMs: 5000, maxStdout: 64 * 1024 });
    return code === 0 && stdout.toString("utf8").startsWith("ffmpeg version");
  } catch {
    return false;
  }
}

export type PosterFrame = { png: Buffer; durationSeconds: number | undefined };

/**
 * A representative frame of the first video stream of `file` as PNG (ffmpeg's `thumbnail`
 * filter over the first frames, so a black opening frame is usually skipped), with the
 * container's duration when it states one.
 * @throws when ffmpeg cannot read the file or finds no video frame.
 */
export async function extractPosterFrame(ffmpegPath: string, file: string, options: { timeoutMs: number }): Promise<PosterFrame> {
  const args = [
    "-nostdin",
    "-hide_banner",
    "-protocol_whitelist",
    "file",
    "-format_whitelist",
    FORMAT_WHITELIST,
    "-i",
    file,
    "-map",
    "0:v:0",
    "-an",
    "-sn",
    "-dn",
    "-vf",
    "thumbnail=30",
    "-frames:v",
    "1",
    "-f",
    "image2pipe",
    "-c:v",
    "png",
    "-",
  ];
  const result = await run(ffmpegPath, args, { timeoutMs: options.timeoutMs, maxStdout: 64 * 1024 * 1024 });
  if (result.code !== 0 || result.stdout.length === 0) {
    const reason = result.stderr.trim().split("\n").slice(-1)[0] ?? "no output";
    throw new Error(`ffmpeg found no video frame (exit ${result.code}): ${reason}`);
  }
  const duration = /Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(result.stderr);
  return {
    png: result.stdout,
    durationSeconds: duration ? Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3]) : undefined,
  };
}
