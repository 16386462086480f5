import type { ServerResponse } from "node:http";
import { isSlipwayError, type SlipwayError } from "../core/errors.js";
import { DEFAULTS } from "../core/defaults.js";
import { RepeatedFailureGate } from "../log-repeats.js";
import { isStorageFaultCode, storageFault } from "../store/storage-faults.js";
import type { AppContext } from "./app-context.js";
import { errorBody, sendJson, STATUS_BY_CODE } from "./http-io.js";

/** The last disk or database fault the API met, for `GET /api/health`. */
class StoreFaults {
  last: { error: SlipwayError; at: number } | undefined;
  readonly logGate = new RepeatedFailureGate(DEFAULTS.repeatedFailureLogMs);
}

/** The database file a fault names: the store's location without its scheme. */
const storeFile = (app: AppContext) => app.store.location.replace(/^sqlite:/, "");

const faultsOf = (app: AppContext) => app.singleton("store-faults", () => new StoreFaults());

/**
 * Answers a request that failed with an error the route did not turn into an answer: a disk or
 * database fault as its SLIPWAY_* code naming the file (507 full, 503 read-only or damaged),
 * anything else as SLIPWAY_INTERNAL. Always JSON; the details go to the log, once per interval
 * while the same failure repeats. Returns the status sent.
 */
export function answerFailure(app: AppContext, res: ServerResponse, error: unknown, where: string): number {
  const known = isSlipwayError(error) ? error : storageFault(error, storeFile(app));
  const faults = faultsOf(app);
  if (known && isStorageFaultCode(known.code)) faults.last = { error: known, at: app.now() };
  const held = faults.logGate.pass(known?.message ?? String(error), app.now());
  if (held !== undefined) app.log.error({ err: error, where, repeatsHeldBack: held }, "request failed");
  const status = known ? STATUS_BY_CODE[known.code] : 500;
  if (res.headersSent) res.destroy();
  else {
    sendJson(
      res,
      status,
      known
        ? errorBody(known.code, known.message, known.details.problems)
        : errorBody("SLIPWAY_INTERNAL", "internal error; the server logged the details"),
    );
  }
  return status;
}

/**
 * The database's part of `GET /api/health`: a cheap read now, and the last fault a request met.
 * A damaged database stays reported (it does not mend itself); a full or read-only disk for
 * `repeatedFailureLogMs` after it was last met, since space may be freed meanwhile.
 */
export async function databaseProblem(app: AppContext): Promise<SlipwayError | undefined> {
  try {
    await app.store.check();
    // An unreachable database is back as soon as it answers: no need to wait out the interval.
    if (faultsOf(app).last?.error.code === "SLIPWAY_STORE_UNAVAILABLE") faultsOf(app).last = undefined;
  } catch (error) {
    const fault = storageFault(error, storeFile(app));
    if (fault) faultsOf(app).last = { error: fault, at: app.now() };
    else throw error;
  }
  const last = faultsOf(app).last;
  if (!last) return undefined;
  if (last.error.code === "SLIPWAY_STORE_CORRUPT") return last.error;
  return app.now() - last.at < DEFAULTS.repeatedFailureLogMs ? last.error : undefined;
}
