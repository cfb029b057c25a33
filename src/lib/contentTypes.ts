/** Content types of the formats generators produce (Boards' map, plus text formats). */
const CONTENT_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
  mp4: "video/mp4",
  webm: "video/webm",
  mov: "video/quicktime",
  mp3: "audio/mpeg",
  wav: "audio/wav",
  ogg: "audio/ogg",
  plain: "text/plain; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  markdown: "text/markdown; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  json: "application/json",
};

export function contentTypeFor(format: string): string {
  return CONTENT_TYPES[format.toLowerCase()] ?? "application/octet-stream";
}

/** File extension for a stored content type, for download names. */
export function extensionFor(contentType: string): string {
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  const found = Object.entries(CONTENT_TYPES).find(([, t]) => t.split(";")[0] === type);
  if (!found) return "";
  const [format] = found;
  return `.${format === "plain" ? "txt" : format === "jpeg" ? "jpg" : format === "markdown" ? "md" : format}`;
}
