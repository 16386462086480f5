export { RevisionCounters, statusClass } from "../revision-counters.js";
/** Workers' snapshots are summed the same way as several hosts' (src/core/traffic). */
export { mergeStats } from "../../core/traffic/index.js";
