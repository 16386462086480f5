import type { Release } from "../../core/release/types.js";

/** The release builder's part of the Store: one record per (service, version). */
export interface ReleaseStore {
  getRelease(service: string, version: string): Promise<Release | undefined>;
  /** Newest first; one service's, or every service's when omitted. */
  listReleases(service?: string): Promise<Release[]>;
  /** Inserts or replaces the record of (service, version). */
  saveRelease(release: Release): Promise<void>;
}
