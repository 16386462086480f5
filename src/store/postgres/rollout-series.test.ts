import { rolloutSeriesStoreContract } from "../contract/rollout-series.contract.js";
import { postgresStores } from "./test-support.js";

const { fresh } = postgresStores("rollout_series");

rolloutSeriesStoreContract("postgres", () => fresh());
