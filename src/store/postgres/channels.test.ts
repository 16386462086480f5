import { channelStoreContract } from "../contract/channel.contract.js";
import { postgresStores } from "./test-support.js";

const { fresh } = postgresStores("channels");

channelStoreContract("postgres", async () => (await fresh()).channels);
