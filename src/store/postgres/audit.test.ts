import { auditStoreContract } from "../contract/audit.contract.js";
import { postgresStores } from "./test-support.js";

const { fresh } = postgresStores("audit");

auditStoreContract("postgres", async () => (await fresh()).audit);
