import { auditStoreContract } from "../contract/audit.contract.js";
import { sqliteStores } from "./test-support.js";

const { fresh } = sqliteStores("audit");

auditStoreContract("sqlite", () => fresh().audit);
