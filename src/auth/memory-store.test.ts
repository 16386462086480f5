import { accessStoreContract } from "../store/contract/access.contract.js";
import { MemoryAccessStore } from "./memory-store.js";

accessStoreContract("memory", () => new MemoryAccessStore());
