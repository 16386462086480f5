import { runStoreContract } from "../contract/run.contract.js";
import { postgresStores } from "./test-support.js";

const { fresh } = postgresStores("runs");

runStoreContract("postgres", async () => (await fresh()).runs);
