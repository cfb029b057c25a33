import { describe, expect, it } from "vitest";
import { sanitizeFilename } from "../services/uploads.js";
import { sniffContent } from "./sniffContent.js";

const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : Buffer.from(p))));

describe("sniffContent", () => {
  it.each([
    ["png", bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "rest"), { kind: "image", mime: "image/png" }],
    ["jpeg", bytes([0xff, 0xd8, 0xff, 0xe0], "JFIF"), { kind: "image", mime: "image/jpeg" }],
    ["gif", bytes("GIF89a...."), { kind: "image", mime: "image/gif" }],
    ["webp", bytes("RIFF", [0, 0, 0, 0], "WEBPVP8 "), { kind: "image", mime: "image/webp" }],
    ["wav", bytes("RIFF", [0, 0, 0, 0], "WAVEfmt "), { kind: "audio", mime: "audio/wav" }],
    ["ogg", bytes("OggS", [0, 2]), { kind: "audio", mime: "audio/ogg" }],
    ["mp3 with ID3", bytes("ID3", [4, 0]), { kind: "audio", mime: "audio/mpeg" }],
    ["mp3 frame", bytes([0xff, 0xfb, 0x90, 0x64]), { kind: "audio", mime: "audio/mpeg" }],
    ["m4a", bytes([0, 0, 0, 0x20], "ftypM4A "), { kind: "audio", mime: "audio/mp4" }],
    ["mp4", bytes([0, 0, 0, 0x20], "ftypisom"), { kind: "video", mime: "video/mp4" }],
    ["mov", bytes([0, 0, 0, 0x14], "ftypqt  "), { kind: "video", mime: "video/quicktime" }],
    ["webm", bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f]), { kind: "video", mime: "video/webm" }],
    ["text", bytes("plain words\n"), { kind: "text", mime: "text/plain" }],
    ["json", bytes('  {"a": [1, 2]}'), { kind: "text", mime: "application/json" }],
    ["utf-8 text", Buffer.from("grüße, 世界"), { kind: "text", mime: "text/plain" }],
  ])("recognises %s", (_, head, expected) => {
    expect(sniffContent(head)).toEqual(expected);
  });

  it.each(["<html><body>", "<!DOCTYPE html>", "  <script>alert(1)</script>", '<svg xmlns="x">', '<?xml version="1.0"?><svg/>', "\uFEFF<html>"])(
    "refuses markup %j",
    (text) => {
      expect(sniffContent(Buffer.from(text)).kind).toBe("refused");
    },
  );

  it("does not know binary junk", () => {
    expect(sniffContent(bytes([0, 1, 2, 3, 0, 255, 0]))).toEqual({ kind: "unknown" });
  });
});

describe("sanitizeFilename", () => {
  it.each([
    ["../../etc/passwd", "passwd"],
    ["C:\\Users\\x\\photo.png", "photo.png"],
    ['a<b>c:"d"|e?f*.png', "a_b_c__d__e_f_.png"],
    ["  .hidden.  ", "hidden"],
    ["nul\u0000byte.txt", "nulbyte.txt"],
    ["", "uploaded_file"],
    [null, "uploaded_file"],
  ])("%j → %j", (input, output) => {
    expect(sanitizeFilename(input)).toBe(output);
  });
});
