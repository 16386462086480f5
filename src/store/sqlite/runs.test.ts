import { runStoreContract } from "../contract/run.contract.js";
import { sqliteStores } from "./test-support.js";

const { fresh } = sqliteStores("runs");

runStoreContract("sqlite", () => fresh().runs);
