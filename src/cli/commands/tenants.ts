/** `boards tenants list|create`: the tenant services of the setup endpoints, on the database directly. */
import { GraphQLError } from "graphql";
import type { FieldError } from "../../errors.js";
import type { Tenant } from "../../generated/prisma/client.js";
import { listTenants, setupTenant, tenantView } from "../../services/tenants.js";
import { CliError, usageError } from "../CliError.js";
import { openDatabase } from "../cliContext.js";
import { printJson, printTable } from "../output.js";
import { OPERATOR } from "../operator.js";

const columns = [
  { header: "id", value: (t: Tenant) => t.id },
  { header: "slug", value: (t: Tenant) => t.slug },
  { header: "name", value: (t: Tenant) => t.name },
  { header: "created", value: (t: Tenant) => t.createdAt.toISOString() },
];

/** Prints every tenant, newest first. */
export async function tenantsList(options: { json?: boolean }): Promise<void> {
  const db = await openDatabase();
  try {
    const tenants = await listTenants(OPERATOR, db.prisma);
    if (options.json) printJson(tenants.map(tenantView));
    else printTable(tenants, columns, "No tenants.");
  } finally {
    await db.close();
  }
}

/** Creates a tenant (idempotent by slug, as the setup endpoint is) and prints it. */
export async function tenantsCreate(options: { slug: string; name: string; json?: boolean }): Promise<void> {
  const db = await openDatabase();
  try {
    const { tenant, existing } = await setupTenant(OPERATOR, db.prisma, { slug: options.slug, name: options.name }).catch((error: unknown) => {
      if (error instanceof GraphQLError && error.extensions.code === "BAD_USER_INPUT") {
        const fieldErrors = (error.extensions.fieldErrors ?? []) as FieldError[];
        throw usageError(fieldErrors.length ? fieldErrors.map((e) => `--${e.field} ${e.message}`).join("; ") : error.message);
      }
      if (error instanceof GraphQLError) throw new CliError(error.message);
      throw error;
    });
    if (options.json) printJson({ ...tenantView(tenant), existing });
    else process.stdout.write(`${existing ? "Tenant already exists" : "Created tenant"} ${tenant.slug} (${tenant.id})\n`);
  } finally {
    await db.close();
  }
}
