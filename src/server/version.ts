/** The version shown in the OpenAPI document (the CLI's, see src/cli/program.ts). */
export const API_VERSION: string = process.env.SLIPWAY_VERSION ?? "0.1.0";
