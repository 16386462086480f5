/** The pure workflow planner: trigger matching, inputs, matrix, job graph, status functions, masking. */
export * from "./dispatch-inputs.js";
export * from "./file-commands.js";
export * from "./filter-pattern.js";
export * from "./graph.js";
export * from "./masker.js";
export * from "./matrix.js";
export * from "./runs-on.js";
export * from "./status.js";
export * from "./triggers.js";
