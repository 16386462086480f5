import { Option, type Command } from "commander";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { EVIDENCE_KINDS, describeSource, type Attestation } from "../../core/evidence/types.js";
import { SlipwayError } from "../../core/errors.js";
import type { PolicyVerdict } from "../../core/policy/types.js";
import { ApiClient, serverUrl } from "../../server/client.js";
import { printJson, style } from "../output.js";

type AttestationView = Attestation & { created?: boolean };

/** One line per attestation: what it says, where it came from. */
export function describeAttestation(a: Attestation): string {
  const s = a.summary;
  const what =
    s.kind === "tests"
      ? `${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`
      : s.kind === "coverage"
        ? `lines ${s.lines.pct} % (${s.lines.covered}/${s.lines.total})`
        : s.kind === "vulnerabilities"
          ? `critical ${s.counts.critical}, high ${s.counts.high}, moderate ${s.counts.moderate}, low ${s.counts.low}`
          : s.kind === "sast"
            ? `${s.counts.error} errors, ${s.counts.warning} warnings (${s.tools.join(", ") || "unknown tool"})`
            : `${s.findings.length} secrets in ${s.filesScanned} files`;
  return `${a.kind.padEnd(15)} ${what}  ${style.dim(`${describeSource(a)} ${a.digest.slice(0, 19)}`)}`;
}

const releasePath = (service: string, version: string) =>
  `/api/releases/${encodeURIComponent(service)}/${encodeURIComponent(version)}/evidence`;

/** A positive whole number from an option or the workflow's environment. */
function runIdOf(value: string | undefined): number | undefined {
  const text = value ?? process.env.SLIPWAY_RUN_ID ?? process.env.GITHUB_RUN_ID;
  if (text === undefined || text === "") return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      `--run expects a run id (a whole number), got ${text}`,
    );
  return n;
}

/**
 * `slipway evidence add|list`: attach the reports a pipeline produced to a release, and show a
 * release's evidence with its verdict under each environment's policy (docs/policies.md).
 */
export function registerEvidence(program: Command): void {
  const evidence = program
    .command("evidence")
    .description("Evidence attached to a release (test, coverage, audit, SARIF reports) and policy verdicts");

  evidence
    .command("add")
    .description("Attach report files to a release; the format is recognised from the content")
    .argument(
      "[files...]",
      "JUnit XML, lcov, coverage-summary.json, Cobertura XML, npm audit --json, OSV JSON, SARIF 2.1",
    )
    .requiredOption("--service <service>", "service name from slipway.yaml")
    .requiredOption("--version <version>", "the release's version")
    .addOption(
      new Option("--kind <kind>", "refuse a file that is not this kind of report").choices([
        ...EVIDENCE_KINDS,
      ]),
    )
    .option("--run <id>", "the workflow run that produced the reports (default: $GITHUB_RUN_ID inside a run)")
    .option("--job <job>", "the job that produced them (default: $GITHUB_JOB inside a run)")
    .option("--artifact <name>", "read every file of this artifact of --run instead of local files")
    .option("--json", "print JSON")
    .action(
      async (
        files: string[],
        options: {
          service: string;
          version: string;
          kind?: string;
          run?: string;
          job?: string;
          artifact?: string;
          json?: boolean;
        },
      ) => {
        const api = new ApiClient(serverUrl());
        const runId = runIdOf(options.run);
        const job = options.job ?? process.env.GITHUB_JOB;
        const common = { ...(options.kind ? { kind: options.kind } : {}), ...(job ? { job } : {}) };
        const bodies: unknown[] = [];
        if (options.artifact) {
          if (runId === undefined)
            throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", "--artifact needs --run (or $GITHUB_RUN_ID)");
          if (files.length > 0)
            throw new SlipwayError("SLIPWAY_INVALID_ARGUMENT", "give either files or --artifact, not both");
          bodies.push({ artifact: { runId, name: options.artifact }, ...common });
        } else {
          if (files.length === 0)
            throw new SlipwayError(
              "SLIPWAY_INVALID_ARGUMENT",
              "name at least one report file (or --artifact)",
            );
          for (const file of files)
            bodies.push({
              file: basename(file),
              content: readFileSync(file).toString("base64"),
              encoding: "base64",
              ...(runId !== undefined ? { runId } : {}),
              ...common,
            });
        }
        const recorded: AttestationView[] = [];
        for (const body of bodies) {
          const reply = await api.post<{ attestations: AttestationView[] }>(
            releasePath(options.service, options.version),
            body,
          );
          recorded.push(...reply.attestations);
        }
        if (options.json) printJson({ attestations: recorded });
        else
          for (const a of recorded)
            process.stdout.write(
              `${a.created === false ? style.dim("already attached ") : ""}${describeAttestation(a)}\n`,
            );
      },
    );

  evidence
    .command("list")
    .description("A release's attestations and its verdict under each environment's policy")
    .argument("<service>", "service name")
    .argument("<version>", "the release's version")
    .option("--json", "print JSON")
    .action(async (service: string, version: string, options: { json?: boolean }) => {
      const api = new ApiClient(serverUrl());
      const reply = await api.get<{ attestations: Attestation[]; verdicts: PolicyVerdict[] }>(
        releasePath(service, version),
      );
      if (options.json) {
        printJson(reply);
        return;
      }
      if (reply.attestations.length === 0)
        process.stdout.write(`${service} ${version}: no evidence attached\n`);
      for (const a of reply.attestations) process.stdout.write(`${describeAttestation(a)}\n`);
      for (const v of reply.verdicts) {
        process.stdout.write(
          `${v.environment}: ${v.allowed ? style.green("allowed") : style.red("refused")}\n`,
        );
        for (const c of v.checks) process.stdout.write(`  ${c.ok ? "✓" : "✗"} ${c.message}\n`);
      }
    });
}
