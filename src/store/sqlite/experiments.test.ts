import { experimentStoreContract } from "../contract/experiment.contract.js";
import { SqliteExperimentStore } from "./experiments.js";
import { sqliteStores } from "./test-support.js";

const { fresh } = sqliteStores("experiments");

experimentStoreContract("sqlite", () => new SqliteExperimentStore(fresh().db));
