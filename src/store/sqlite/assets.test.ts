import { assetStoreContract } from "../contract/asset.contract.js";
import { SqliteAssetStore } from "./assets.js";
import { sqliteStores } from "./test-support.js";

const { fresh } = sqliteStores("assets");

assetStoreContract("sqlite", () => new SqliteAssetStore(fresh().db));
