import { evidenceStoreContract } from "../contract/evidence.contract.js";
import { postgresStores } from "./test-support.js";

const { fresh } = postgresStores("evidence");

evidenceStoreContract("postgres", async () => (await fresh()).evidence);
