import { flagStoreContract } from "../contract/flag.contract.js";
import { SqliteFlagStore } from "./flags.js";
import { sqliteStores } from "./test-support.js";

const { fresh } = sqliteStores("flags");

flagStoreContract("sqlite", () => new SqliteFlagStore(fresh().db));
