import { rolloutStoreContract } from "../contract/rollout.contract.js";
import { sqliteStores } from "./test-support.js";

const { fresh } = sqliteStores("rollouts");

rolloutStoreContract("sqlite", () => fresh().rollouts);
