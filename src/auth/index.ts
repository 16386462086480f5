export {
  authenticate,
  createUser,
  issueApiToken,
  signIn,
  signOut,
  type Authentication,
  type SignInResult,
} from "./accounts.js";
export { MemoryAccessStore } from "./memory-store.js";
export {
  DEFAULT_SCRYPT,
  hashPassword,
  needsRehash,
  passwordProblem,
  verifyPassword,
  type ScryptParams,
} from "./passwords.js";
export {
  rateLimitHeaders,
  TokenBucketLimiter,
  type RateLimitOptions,
  type RateLimitResult,
} from "./rate-limit.js";
export {
  clearSessionCookie,
  CSRF_HEADER,
  hashSessionId,
  needsCsrfCheck,
  newSession,
  parseCookies,
  readSessionCookie,
  sessionCookie,
  verifyCsrfToken,
  type CookieOptions,
} from "./sessions.js";
export type { AccessStore, StoredSession, StoredToken, StoredUser } from "../store/ports/access-store.js";
export {
  bearerToken,
  displayTokenId,
  generateApiToken,
  hashApiToken,
  parseApiToken,
  verifyApiToken,
} from "./tokens.js";
export { guardRequest, type GuardedRequest, type GuardResult } from "./guard.js";
