import { channelStoreContract } from "../contract/channel.contract.js";
import { SqliteChannelStore } from "./channels.js";
import { sqliteStores } from "./test-support.js";

const { fresh } = sqliteStores("channels");

channelStoreContract("sqlite", () => new SqliteChannelStore(fresh().db));
