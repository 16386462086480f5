import { experimentStoreContract } from "../contract/experiment.contract.js";
import { postgresStores } from "./test-support.js";

const { fresh } = postgresStores("experiments");

experimentStoreContract("postgres", async () => (await fresh()).experiments);
