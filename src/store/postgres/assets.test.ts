import { assetStoreContract } from "../contract/asset.contract.js";
import { postgresStores } from "./test-support.js";

const { fresh } = postgresStores("assets");

assetStoreContract("postgres", async () => (await fresh()).assets);
