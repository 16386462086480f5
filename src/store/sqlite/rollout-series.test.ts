import { rolloutSeriesStoreContract } from "../contract/rollout-series.contract.js";
import { sqliteStores } from "./test-support.js";

const { fresh } = sqliteStores("rollout-series");

rolloutSeriesStoreContract("sqlite", () => fresh());
