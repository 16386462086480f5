import { accessStoreContract } from "./access-store.contract.js";
import { MemoryAccessStore } from "./memory-store.js";

accessStoreContract("memory", () => new MemoryAccessStore());
