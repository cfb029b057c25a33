/**
 * Reads a Prometheus text-format scrape (GET /metrics) into samples, so tests can assert on
 * metric families and label values as a Prometheus server would see them.
 */

export type Sample = { name: string; labels: Record<string, string>; value: number };

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Every sample of a scrape (comments and blank lines skipped). */
export function parseScrape(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = LINE.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? "").matchAll(LABEL)) labels[name!] = value!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** Samples of `name` whose labels include `labels`. */
export function select(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The sum of the values of the samples {@link select} finds (0 when none). */
export function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return select(samples, name, labels).reduce((sum, s) => sum + s.value, 0);
}

/** Distinct values of `label` among the samples of `name`. */
export function labelValues(samples: Sample[], name: string, label: string): Set<string> {
  return new Set(select(samples, name).flatMap((s) => (s.labels[label] === undefined ? [] : [s.labels[label]])));
}

/** GET `url` (a /metrics endpoint), parsed; fails unless it answers 200. */
export async function scrape(url: string, token?: string): Promise<Sample[]> {
  const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}: ${text}`);
  return parseScrape(text);
}

/** Scrapes until `done` holds for the samples (bounded), returning the last scrape. */
export async function scrapeUntil(url: string, done: (samples: Sample[]) => boolean, token?: string, tries = 60): Promise<Sample[]> {
  let samples: Sample[] = [];
  for (let i = 0; i < tries; i++) {
    samples = await scrape(url, token);
    if (done(samples)) return samples;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return samples;
}
