export { SlipwayWebProvider, OFREP_BULK_PATH, type SlipwayWebProviderOptions } from "./provider.js";
