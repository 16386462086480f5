import type {
  Attestation,
  EvidenceFormat,
  EvidenceKind,
  EvidenceSummary,
} from "../../core/evidence/types.js";
import type { AttestationWrite } from "../ports/evidence-store.js";

// Rows of `release_attestations` (migration 014) as both adapters read them, and what they write.

export interface AttestationRow {
  id: number;
  service: string;
  version: string;
  kind: string;
  format: string;
  digest: string;
  file: string;
  run_id: number | null;
  job: string | null;
  summary: string;
  recorded_at: string;
  recorded_by: string;
}

export const ATTESTATION_COLUMNS =
  "service, version, kind, format, digest, file, run_id, job, summary, recorded_at, recorded_by";

export const attestationParams = (w: AttestationWrite): unknown[] => [
  w.service,
  w.version,
  w.kind,
  w.format,
  w.digest,
  w.source.file,
  w.source.runId ?? null,
  w.source.job ?? null,
  JSON.stringify(w.summary),
  w.recordedAt,
  w.recordedBy,
];

export const attestationFromRow = (row: AttestationRow): Attestation => ({
  id: Number(row.id),
  service: row.service,
  version: row.version,
  kind: row.kind as EvidenceKind,
  format: row.format as EvidenceFormat,
  digest: row.digest,
  source: {
    file: row.file,
    ...(row.run_id !== null && { runId: Number(row.run_id) }),
    ...(row.job !== null && { job: row.job }),
  },
  summary: JSON.parse(row.summary) as EvidenceSummary,
  recordedAt: row.recorded_at,
  recordedBy: row.recorded_by,
});
