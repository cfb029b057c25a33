/**
 * A refusal decided while reading a request body (malformed multipart, too large, aborted),
 * before any GraphQL or service code runs; the route turns it into a response with `status`.
 */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "HttpProblem";
  }
}
