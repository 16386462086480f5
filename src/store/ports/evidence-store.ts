import type { Attestation } from "../../core/evidence/types.js";

/**
 * Evidence attached to releases (issue 20): one attestation per report read (src/evidence), kept
 * with its digest, source run and summary. Attestations are never changed or deleted: a newer
 * report of the same kind supersedes an older one in policy evaluation.
 */
export type AttestationWrite = Omit<Attestation, "id">;

export interface EvidenceStore {
  /**
   * Records an attestation. The same report (service, version, kind and digest) uploaded again is
   * not recorded twice: the stored one is answered with `created: false`.
   */
  add(write: AttestationWrite): Promise<{ attestation: Attestation; created: boolean }>;
  /** A release's attestations, oldest first. */
  list(service: string, version: string): Promise<Attestation[]>;
}
