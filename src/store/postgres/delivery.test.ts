import { deliveryMetricsStoreContract } from "../contract/delivery-metrics.contract.js";
import { postgresStores } from "./test-support.js";

const { fresh } = postgresStores("delivery");

deliveryMetricsStoreContract("postgres", () => fresh());
