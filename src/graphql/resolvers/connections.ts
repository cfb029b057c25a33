import type { Page } from "../../services/pagination/paginate.js";

/** Connection types share one shape; `totalCount` runs its count query only when selected. */
const connection = { totalCount: <T>(page: Page<T>) => page.totalCount() };

export const BoardConnection = connection;
export const GenerationConnection = connection;
export const TagConnection = connection;
export const CreditTransactionConnection = connection;
