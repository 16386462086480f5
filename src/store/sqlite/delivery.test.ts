import { deliveryMetricsStoreContract } from "../contract/delivery-metrics.contract.js";
import { sqliteStores } from "./test-support.js";

const { fresh } = sqliteStores("delivery-metrics");

deliveryMetricsStoreContract("sqlite", () => fresh());
