/**
 * Former home of the Runtime port, kept as a re-export so branches written against it still build.
 * Import from ./port.js (the port) or ../core/revision (the revision types) instead.
 */
export type * from "./port.js";
