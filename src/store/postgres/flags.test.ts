import { flagStoreContract } from "../contract/flag.contract.js";
import { postgresStores } from "./test-support.js";

const { fresh } = postgresStores("flags");

flagStoreContract("postgres", async () => (await fresh()).flags);
