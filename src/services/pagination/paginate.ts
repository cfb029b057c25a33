/**
 * Keyset pagination over a Prisma model. The sort keys plus the row id (always last) form a
 * total order; a page after a cursor is "rows strictly after the cursor row in that order",
 * expressed as the lexicographic condition
 *   k1 > v1 OR (k1 = v1 AND k2 > v2) OR … OR (k1 = v1 AND … AND id > id0)
 * so ties in a sort key are never skipped or repeated. PostgreSQL applies such an OR as a filter
 * after the scan, so a deep page would read every row before it; the condition therefore also
 * bounds the first key (`k1 >= v1`, which every row after the cursor satisfies), an index
 * condition on the (…, k1, id) indexes, leaving only the cursor's ties to filter. (A row
 * comparison `(k1, id) > (v1, id0)` would say it in one, but Prisma's filters cannot express it,
 * and it holds only when every key sorts the same way.) When the first key is a string, whose
 * values are often shared by thousands of rows, a single list (`paginate`) instead reads the
 * branches one after another, the cursor's ties first, each an index range of its own, until the
 * page is full. Backward pages are fetched in the inverted order and reversed, so every page
 * lists items in the same order.
 */
import { badUserInput } from "../../errors.js";
import { decodeCursor, encodeCursor, type CursorValue } from "./cursor.js";
import { parsePageArgs, type PageArgs } from "./pageArgs.js";

export type Direction = "asc" | "desc";

/** One sort key: the Prisma field, its direction, and how to read/restore its value. */
export type SortKey<Row> = {
  field: string;
  direction: Direction;
  kind: "date" | "string";
  value: (row: Row) => Date | string;
};

export type PageInfo = {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
};

/** A page of rows with their cursors; `totalCount` runs its query only when called. */
export type Page<Row> = {
  edges: Array<{ cursor: string; node: Row }>;
  nodes: Row[];
  pageInfo: PageInfo;
  totalCount: () => Promise<number>;
};

export type Where = Record<string, unknown>;
export type OrderBy = Record<string, Direction>;

export type PaginateOptions<Row extends { id: string }, W> = {
  args: PageArgs;
  where: W;
  /** Sort keys without the id tiebreaker (appended here). */
  keys: SortKey<Row>[];
  /** Names the list, e.g. `Board`; cursors from other lists are refused. */
  list: string;
  findMany: (query: { where: W; orderBy: OrderBy[]; take: number; skip?: number }) => Promise<Row[]>;
  count: (where: W) => Promise<number>;
};

const flip = (d: Direction): Direction => (d === "asc" ? "desc" : "asc");

/** The query one page needs, and how its rows become the page. */
export type PagePlan<Row> = {
  /** The cursor's condition, to AND with the list's own; null without a cursor. */
  condition: Where | null;
  /**
   * The same condition as branches to read in turn, each listing rows that all come after the
   * previous branch's (the cursor's ties first); null without a cursor.
   */
  branches: Where[] | null;
  /** Whether the first sort key is a string (values often shared by many rows). */
  stringFirst: boolean;
  orderBy: OrderBy[];
  take: number;
  skip?: number;
  /** The page from the rows fetched with this plan (at most `take`), in the fetched order. */
  finish(fetched: Row[], totalCount: () => Promise<number>): Page<Row>;
};

/**
 * Plans a page of a list from its arguments: the same plan serves one list (see
 * {@link paginate}) or, fetched for many parents in one statement, each parent's list.
 * @throws BAD_USER_INPUT for invalid pagination arguments or cursors.
 */
export function planPage<Row extends { id: string }>(opts: Pick<PaginateOptions<Row, unknown>, "args" | "keys" | "list">): PagePlan<Row> {
  const request = parsePageArgs(opts.args);
  const idDirection = opts.keys[0]?.direction ?? "asc";
  const keys: SortKey<Row>[] = [...opts.keys, { field: "id", direction: idDirection, kind: "string", value: (r) => r.id }];
  const signature = `${opts.list}:${opts.keys.map((k) => `${k.field}.${k.direction}`).join(",")}`;

  const cursorOf = (row: Row) =>
    encodeCursor(
      signature,
      opts.keys.map((k) => toCursorValue(k.value(row))),
      row.id,
    );
  const pageOf = (rows: Row[], hasNextPage: boolean, hasPreviousPage: boolean, totalCount: () => Promise<number>): Page<Row> => {
    // Cursors are made when read: a client asking for `nodes` only never pays for them.
    const edges = rows.map((node) => ({
      node,
      get cursor() {
        return cursorOf(node);
      },
    }));
    const first = rows[0];
    const last = rows.at(-1);
    return {
      edges,
      nodes: rows,
      pageInfo: {
        hasNextPage,
        hasPreviousPage,
        get startCursor() {
          return first ? cursorOf(first) : null;
        },
        get endCursor() {
          return last ? cursorOf(last) : null;
        },
      },
      totalCount,
    };
  };

  if (request.mode === "offset") {
    return {
      condition: null,
      branches: null,
      stringFirst: false,
      orderBy: keys.map((k) => ({ [k.field]: k.direction })),
      take: request.size + 1,
      skip: request.offset,
      finish: (fetched, totalCount) => pageOf(fetched.slice(0, request.size), fetched.length > request.size, request.offset > 0, totalCount),
    };
  }
  const backward = request.mode === "backward";
  const cursorText = backward ? request.before : request.after;
  const argument = backward ? "before" : "after";
  const order = keys.map((k) => ({ ...k, direction: backward ? flip(k.direction) : k.direction }));
  let condition: Where | null = null;
  let branches: Where[] | null = null;
  if (cursorText !== null) {
    const cursor = decodeCursor(cursorText, signature, opts.keys.length, argument);
    const values = [...cursor.values.map((v, i) => fromCursorValue(v, keys[i]!.kind, argument)), cursor.id];
    condition = keysetCondition(order, values);
    branches = keysetBranches(order, values).reverse();
  }
  return {
    condition,
    branches,
    stringFirst: keys[0]!.kind === "string" && keys.length > 1,
    orderBy: order.map((k) => ({ [k.field]: k.direction })),
    take: request.size + 1,
    finish(fetched, totalCount) {
      const more = fetched.length > request.size;
      const rows = fetched.slice(0, request.size);
      if (backward) rows.reverse();
      // Relay allows approximating the far side: there are items before `after` (the cursor row
      // itself, at least), and after `before`.
      return pageOf(rows, backward ? cursorText !== null : more, backward ? more : cursorText !== null, totalCount);
    },
  };
}

/**
 * Runs one page query (and, lazily, its count).
 * @throws BAD_USER_INPUT for invalid pagination arguments or cursors.
 */
export async function paginate<Row extends { id: string }, W>(opts: PaginateOptions<Row, W>): Promise<Page<Row>> {
  const plan = planPage<Row>(opts);
  const base = opts.where;
  if (plan.branches && plan.stringFirst) {
    const fetched: Row[] = [];
    for (const branch of plan.branches) {
      fetched.push(...(await opts.findMany({ where: { AND: [base, branch] } as W, orderBy: plan.orderBy, take: plan.take - fetched.length })));
      if (fetched.length >= plan.take) break;
    }
    return plan.finish(fetched, () => opts.count(base));
  }
  const where = plan.condition ? ({ AND: [base, plan.condition] } as W) : base;
  const fetched = await opts.findMany({ where, orderBy: plan.orderBy, take: plan.take, ...(plan.skip !== undefined ? { skip: plan.skip } : {}) });
  return plan.finish(fetched, () => opts.count(base));
}

/** The lexicographic branches `k1 > v1`, `k1 = v1 AND k2 > v2`, …, in the order of `keys`. */
function keysetBranches(keys: Array<{ field: string; direction: Direction }>, values: Array<Date | string>): Where[] {
  return keys.map((key, i) => {
    const equalities = keys.slice(0, i).map((k, j) => ({ [k.field]: values[j] }));
    const comparison = { [key.field]: { [key.direction === "asc" ? "gt" : "lt"]: values[i] } };
    return { AND: [...equalities, comparison] };
  });
}

/** Rows strictly after `values` in the order of `keys` (see the module comment). */
export function keysetCondition(keys: Array<{ field: string; direction: Direction }>, values: Array<Date | string>): Where {
  const first = keys[0]!;
  const bound = { [first.field]: { [first.direction === "asc" ? "gte" : "lte"]: values[0] } };
  return { AND: [bound, { OR: keysetBranches(keys, values) }] };
}

function toCursorValue(value: Date | string): CursorValue {
  return value instanceof Date ? value.toISOString() : value;
}

function fromCursorValue(value: CursorValue, kind: "date" | "string", argument: string): Date | string {
  if (kind === "date") {
    const date = new Date(String(value));
    if (Number.isNaN(date.getTime())) {
      throw badUserInput(`Invalid cursor in \`${argument}\`: not a cursor of this API`, { argument });
    }
    return date;
  }
  return String(value);
}
