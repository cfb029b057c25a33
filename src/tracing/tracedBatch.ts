import { withSpan } from "./spans.js";

/**
 * A DataLoader batch function in a span `dataloader.batch <loader>` with the batch size: one
 * span per statement the loader sends, however many fields asked for it.
 */
export function tracedBatch<K, V>(loader: string, batch: (keys: readonly K[]) => Promise<V[]>): (keys: readonly K[]) => Promise<V[]> {
  return (keys) => withSpan(`dataloader.batch ${loader}`, { attributes: { "boards.dataloader.batch_size": keys.length } }, () => batch(keys));
}
