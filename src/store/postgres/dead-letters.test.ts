import { deadLetterStoreContract } from "../contract/dead-letter.contract.js";
import { postgresStores } from "./test-support.js";

const { fresh } = postgresStores("dead_letters");

deadLetterStoreContract("postgres", async () => (await fresh()).deadLetters);
