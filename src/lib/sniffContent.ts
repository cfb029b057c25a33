/**
 * What a file really is, from its first bytes (magic numbers), never from its name or the
 * client's declared type. Used to refuse uploads whose content does not match the declared
 * artifact type — e.g. HTML or script dressed up as an image. SVG is refused outright: it is
 * XML that can carry script.
 */
export type Sniffed =
  | { kind: "image" | "video" | "audio" | "text"; mime: string }
  | { kind: "refused"; reason: string }
  | { kind: "unknown" };

const ascii = (bytes: Uint8Array, from: number, to: number) => Buffer.from(bytes.subarray(from, to)).toString("latin1");

function startsWith(bytes: Uint8Array, ...signature: number[]): boolean {
  return signature.every((b, i) => bytes[i] === b);
}

const MARKUP = /^\s*(<\?xml|<!doctype|<html|<head|<body|<script|<svg|<iframe|<object|<embed|<meta|<a\s)/i;

function isUtf8Text(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  try {
    // A multi-byte character may be cut at the end of the sample; ignore the last 3 bytes.
    new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, Math.max(0, bytes.length - 3)));
    return true;
  } catch {
    return false;
  }
}

/** Classifies a file from its first bytes (give at least 512 when the file has them). */
export function sniffContent(head: Uint8Array): Sniffed {
  if (startsWith(head, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return { kind: "image", mime: "image/png" };
  if (startsWith(head, 0xff, 0xd8, 0xff)) return { kind: "image", mime: "image/jpeg" };
  if (ascii(head, 0, 6) === "GIF87a" || ascii(head, 0, 6) === "GIF89a") return { kind: "image", mime: "image/gif" };
  if (ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 12) === "WEBP") return { kind: "image", mime: "image/webp" };
  if (ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 12) === "WAVE") return { kind: "audio", mime: "audio/wav" };
  if (ascii(head, 0, 4) === "OggS") return { kind: "audio", mime: "audio/ogg" };
  if (ascii(head, 0, 3) === "ID3" || (head[0] === 0xff && ((head[1] ?? 0) & 0xe0) === 0xe0)) return { kind: "audio", mime: "audio/mpeg" };
  if (ascii(head, 4, 8) === "ftyp") {
    const brand = ascii(head, 8, 12);
    if (brand.startsWith("M4A")) return { kind: "audio", mime: "audio/mp4" };
    if (brand === "qt  ") return { kind: "video", mime: "video/quicktime" };
    return { kind: "video", mime: "video/mp4" };
  }
  if (startsWith(head, 0x1a, 0x45, 0xdf, 0xa3)) return { kind: "video", mime: "video/webm" };
  if (isUtf8Text(head)) {
    const text = Buffer.from(head).toString("utf8").replace(/^\uFEFF/, "");
    if (MARKUP.test(text)) return { kind: "refused", reason: "HTML, SVG and other markup files are not accepted" };
    return { kind: "text", mime: /^\s*[{[]/.test(text) ? "application/json" : "text/plain" };
  }
  return { kind: "unknown" };
}
