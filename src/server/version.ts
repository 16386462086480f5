import { SLIPWAY_VERSION } from "../version.js";

/** The version shown in the OpenAPI document: Slipway's own (src/version.ts). */
export const API_VERSION: string = SLIPWAY_VERSION;
