import { get } from "../api.js";
import { LoadState } from "../components/Status.js";
import { useData } from "../data.js";
import { dateTime } from "../format.js";

interface Attestation {
  id: number;
  kind: string;
  format: string;
  digest: string;
  source: { file: string; runId?: number; job?: string };
  summary: Record<string, unknown> & { kind: string };
  recordedAt: string;
  recordedBy: string;
}
interface Verdict {
  environment: string;
  allowed: boolean;
  checks: { rule: string; ok: boolean; message: string }[];
}
interface EvidenceReply {
  attestations: Attestation[];
  verdicts: Verdict[];
}

const n = (v: unknown) => (typeof v === "number" ? v : 0);

/** What a report says, in a few words (the summary's shape follows its kind). */
function said(a: Attestation): string {
  const s = a.summary;
  switch (s.kind) {
    case "tests":
      return `${n(s.passed)} passed, ${n(s.failed)} failed, ${n(s.skipped)} skipped`;
    case "coverage":
      return `lines ${n((s.lines as { pct?: number }).pct)} %`;
    case "vulnerabilities": {
      const c = s.counts as Record<string, number>;
      return `critical ${c.critical ?? 0}, high ${c.high ?? 0}, moderate ${c.moderate ?? 0}, low ${c.low ?? 0}`;
    }
    case "sast": {
      const c = s.counts as Record<string, number>;
      return `${c.error ?? 0} errors, ${c.warning ?? 0} warnings`;
    }
    default:
      return `${(s.findings as unknown[] | undefined)?.length ?? 0} secrets found`;
  }
}

const sourceOf = (a: Attestation) =>
  [
    a.source.file,
    a.source.runId !== undefined ? `run ${a.source.runId}` : "",
    a.source.job ? `job ${a.source.job}` : "",
  ]
    .filter(Boolean)
    .join(", ");

/** A release's evidence (attached reports) and its verdict under each environment's policy. */
export function Evidence({ service, version }: { service: string; version: string }) {
  const data = useData(
    () =>
      get<EvidenceReply>(
        `/api/releases/${encodeURIComponent(service)}/${encodeURIComponent(version)}/evidence`,
      ),
    [service, version],
    () => false,
  );
  return (
    <section>
      <h1 tabIndex={-1}>
        {service} {version}: evidence
      </h1>
      <LoadState error={data.error} loading={data.loading && !data.data} what="Evidence" />
      {data.data && (
        <>
          <h2>Policy verdicts</h2>
          {data.data.verdicts.length === 0 && <p class="muted">No environment has a release policy.</p>}
          {data.data.verdicts.map((v) => (
            <div class="verdict" key={v.environment}>
              <h3>
                {v.environment}:{" "}
                <span class={v.allowed ? "ok" : "error"}>{v.allowed ? "allowed" : "refused"}</span>
              </h3>
              <ul>
                {v.checks.map((c, i) => (
                  <li key={i} class={c.ok ? "ok" : "error"}>
                    {c.ok ? "✓" : "✗"} {c.message}
                  </li>
                ))}
              </ul>
            </div>
          ))}
          <h2>Attestations</h2>
          {data.data.attestations.length === 0 && <p class="muted">No evidence attached.</p>}
          {data.data.attestations.length > 0 && (
            <table class="list">
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col">Says</th>
                  <th scope="col">Format</th>
                  <th scope="col">Source</th>
                  <th scope="col">Digest</th>
                  <th scope="col">Recorded (UTC)</th>
                </tr>
              </thead>
              <tbody>
                {data.data.attestations.map((a) => (
                  <tr key={a.id}>
                    <td>{a.kind}</td>
                    <td>{said(a)}</td>
                    <td>{a.format}</td>
                    <td>{sourceOf(a)}</td>
                    <td>
                      <code title={a.digest}>{a.digest.slice(0, 19)}…</code>
                    </td>
                    <td>
                      {dateTime(Date.parse(a.recordedAt))} by {a.recordedBy}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
