export { SlipwayProvider, FLAG_DOCUMENT_PATH, type SlipwayProviderOptions } from "./provider.js";
export type { FlagEvent } from "./events.js";
