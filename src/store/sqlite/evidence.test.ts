import { evidenceStoreContract } from "../contract/evidence.contract.js";
import { SqliteEvidenceStore } from "./evidence.js";
import { sqliteStores } from "./test-support.js";

const { fresh } = sqliteStores("evidence");

evidenceStoreContract("sqlite", () => new SqliteEvidenceStore(fresh().db));
