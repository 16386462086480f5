import type { Attestation } from "../../core/evidence/types.js";
import type { AttestationWrite, EvidenceStore } from "../ports/evidence-store.js";
import {
  ATTESTATION_COLUMNS,
  attestationFromRow,
  attestationParams,
  type AttestationRow,
} from "../rows/evidence-rows.js";
import type { PostgresDatabase } from "./database.js";

/** PostgreSQL adapter of the EvidenceStore port (table from migration 14). */
export class PostgresEvidenceStore implements EvidenceStore {
  constructor(private readonly db: PostgresDatabase) {}

  async add(write: AttestationWrite): Promise<{ attestation: Attestation; created: boolean }> {
    const params = attestationParams(write);
    const [inserted] = await this.db.rows<AttestationRow>(
      `INSERT INTO release_attestations (${ATTESTATION_COLUMNS})
       VALUES (${params.map((_, i) => `$${i + 1}`).join(", ")})
       ON CONFLICT (service, version, kind, digest) DO NOTHING RETURNING *`,
      params,
    );
    if (inserted) return { attestation: attestationFromRow(inserted), created: true };
    const [row] = (await this.db.rows<AttestationRow>(
      "SELECT * FROM release_attestations WHERE service = $1 AND version = $2 AND kind = $3 AND digest = $4",
      [write.service, write.version, write.kind, write.digest],
    )) as [AttestationRow];
    return { attestation: attestationFromRow(row), created: false };
  }

  async list(service: string, version: string): Promise<Attestation[]> {
    return (
      await this.db.rows<AttestationRow>(
        "SELECT * FROM release_attestations WHERE service = $1 AND version = $2 ORDER BY id",
        [service, version],
      )
    ).map(attestationFromRow);
  }
}
