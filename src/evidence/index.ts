export { readReport, digestOf, type ReadReport } from "./read-report.js";
export { scanDirectory } from "./secret-scan.js";
