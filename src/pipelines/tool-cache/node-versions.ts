import semver from "semver";
import { own } from "../../core/own.js";

/** LTS code names, so `lts/iron` means Node 20 as on GitHub. */
export const LTS_CODENAMES: Record<string, number> = {
  argon: 4,
  boron: 6,
  carbon: 8,
  dubnium: 10,
  erbium: 12,
  fermium: 14,
  gallium: 16,
  hydrogen: 18,
  iron: 20,
  jod: 22,
  krypton: 24,
};

/** A released Node version as a download source lists it. */
export interface NodeRelease {
  /** "22.12.0", no leading v. */
  version: string;
  /** The LTS code name (lower case) when this release belongs to an LTS line, else false. */
  lts: string | false;
}

/** What `node-version` asks for, read once. */
export type NodeSpec =
  | { kind: "range"; range: string }
  | { kind: "lts"; codename: string | undefined; major: number | undefined }
  | { kind: "latest" };

/** Reads `20`, `20.x`, `>=20.18`, `v20.1.0`, `lts/*`, `lts/iron`, `lts/-1`, `latest`, `current`, `node`. */
export function parseNodeSpec(wanted: string): NodeSpec | { error: string } {
  const spec = wanted.trim().replace(/^v(?=\d)/, "");
  if (["latest", "current", "node"].includes(spec)) return { kind: "latest" };
  const lts = /^lts\/(.+)$/i.exec(spec);
  if (lts) {
    const name = (lts[1] ?? "").toLowerCase();
    if (name === "*" || name === "-1") return { kind: "lts", codename: undefined, major: undefined };
    const major = own(LTS_CODENAMES, name);
    if (major === undefined) return { error: `unknown LTS name ${JSON.stringify(lts[1])}` };
    return { kind: "lts", codename: name, major };
  }
  const range = semver.validRange(spec);
  if (!range) return { error: `${JSON.stringify(wanted)} is not a version or a semver range` };
  return { kind: "range", range: spec };
}

/**
 * The newest release matching `spec` (lts/* is the newest LTS line), or undefined. Pure, so the
 * rules are tested without a download.
 */
export function pickRelease(spec: NodeSpec, releases: readonly NodeRelease[]): NodeRelease | undefined {
  const sorted = releases
    .filter(
      (release) => semver.valid(release.version) !== null && semver.prerelease(release.version) === null,
    )
    .sort((a, b) => semver.rcompare(a.version, b.version));
  switch (spec.kind) {
    case "latest":
      return sorted[0];
    case "lts":
      return spec.major === undefined
        ? sorted.find((release) => release.lts !== false)
        : sorted.find((release) => semver.major(release.version) === spec.major);
    case "range":
      return sorted.find((release) => semver.satisfies(release.version, spec.range));
    default: {
      const unreachable: never = spec;
      return unreachable;
    }
  }
}

/** The semver range a cached or installed Node must satisfy for `spec`, when the spec alone says (not lts/*, latest). */
export function specRange(spec: NodeSpec): string | undefined {
  if (spec.kind === "range") return spec.range;
  if (spec.kind === "lts" && spec.major !== undefined) return `${spec.major}.x`;
  return undefined;
}

/** LTS membership from the code-name table, for sources that do not say (the npm registry). */
export function ltsByMajor(version: string): string | false {
  const major = semver.major(version);
  const entry = Object.entries(LTS_CODENAMES).find(([, value]) => value === major);
  return entry ? entry[0] : false;
}
