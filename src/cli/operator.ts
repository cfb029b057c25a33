import type { SetupAdmin } from "../services/tenants.js";

/**
 * The setup-admin proof for the CLI: whoever runs it holds the database credentials, which is
 * more than the admin token grants, so the tenant services' authorization is met.
 */
export const OPERATOR = Object.freeze({}) as SetupAdmin;
