import { GraphQLError } from "graphql";

/** A per-field validation problem, returned in `extensions.fieldErrors`. */
export type FieldError = { field: string; message: string };

type Extra = Record<string, unknown>;

function error(code: string, message: string, extensions: Extra = {}, status?: number): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code, ...extensions, ...(status ? { http: { status } } : {}) },
  });
}

/** No or invalid credentials (HTTP 401 when raised while authenticating a request). */
export const unauthenticated = (message: string, status?: number) => error("UNAUTHENTICATED", message, {}, status);

/** The caller may see the record but not do this to it. */
export const forbidden = (message: string, status?: number) => error("FORBIDDEN", message, {}, status);

/** The request itself is malformed (HTTP 400), e.g. a bad X-Tenant value. */
export const badRequest = (message: string) => error("BAD_REQUEST", message, {}, 400);

/** A dependency the request needs (the identity provider) cannot be reached (HTTP 503). */
export const serviceUnavailable = (message: string) => error("SERVICE_UNAVAILABLE", message, {}, 503);

/** The record does not exist or the caller may not see it. */
export const notFound = (message: string) => error("NOT_FOUND", message);

/**
 * The request is valid but the server is not set up to carry it out (e.g. a provider generator
 * whose provider has no key); the message says what an operator must set.
 */
export const failedPrecondition = (message: string) => error("FAILED_PRECONDITION", message);

/**
 * The account cannot cover the estimated cost. The message contains "insufficient credits", the
 * words the Boards client looks for to stop retrying.
 */
export const insufficientCredits = (message: string, details: Extra = {}) => error("INSUFFICIENT_CREDITS", message, details);

/** The request conflicts with existing data (duplicate slug, existing member, …). */
export const conflict = (message: string) => error("CONFLICT", message);

/**
 * Invalid arguments. `argument` names the offending argument; `fieldErrors` lists per-field
 * problems of an input object.
 */
export function badUserInput(message: string, details: { argument?: string; fieldErrors?: FieldError[] } = {}) {
  return error("BAD_USER_INPUT", message, details);
}
