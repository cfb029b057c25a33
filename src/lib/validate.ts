import { z } from "zod";
import { badUserInput } from "../errors.js";

const MAX_JSON_BYTES = 64 * 1024;

/** A JSON object (not array, not scalar) of at most 64 KiB when serialized. */
export const jsonObject = z
  .custom<Record<string, unknown>>((v) => typeof v === "object" && v !== null && !Array.isArray(v), {
    message: "must be a JSON object",
  })
  .refine((v) => Buffer.byteLength(JSON.stringify(v)) <= MAX_JSON_BYTES, {
    message: `must be at most ${MAX_JSON_BYTES / 1024} KiB of JSON`,
  });

/** Trimmed, non-empty text of at most `max` characters. */
export const requiredText = (max: number) =>
  z.string().trim().min(1, "must not be empty").max(max, `must be at most ${max} characters`);

/**
 * Parses an input object with a zod schema.
 * @throws BAD_USER_INPUT with one `fieldErrors` entry per problem.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, argument = "input"): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fieldErrors = result.error.issues.map((issue) => ({
    field: issue.path.join(".") || argument,
    message: issue.message,
  }));
  const summary = fieldErrors.map((e) => `${e.field} ${e.message}`).join("; ");
  throw badUserInput(`Invalid ${argument}: ${summary}`, { argument, fieldErrors });
}

/** Whether a Prisma error is a unique-constraint violation. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "P2002";
}
