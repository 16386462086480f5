import type { Command } from "commander";
import { isRole, ROLES, TOKEN_SCOPES, type Role, type TokenScope } from "../../core/access/roles.js";
import { SlipwayError } from "../../core/errors.js";
import { ApiClient, serverUrl } from "../../server/client.js";
import { printJson, style } from "../output.js";

interface PublicToken {
  id: string;
  display: string;
  name: string;
  role: Role;
  environmentRoles: Record<string, Role>;
  createdBy: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
  scope: TokenScope | null;
}

/** Parses repeated `--env-role staging=deployer` options into a role map. */
export function parseEnvironmentRoles(pairs: readonly string[]): Record<string, Role> {
  const roles: Record<string, Role> = {};
  for (const pair of pairs) {
    const [environment, role] = pair.split("=");
    if (!environment || !isRole(role)) {
      throw new SlipwayError(
        "SLIPWAY_INVALID_ARGUMENT",
        `--env-role expects ENVIRONMENT=ROLE with a role of ${ROLES.join(", ")}, got "${pair}"`,
      );
    }
    roles[environment] = role;
  }
  return roles;
}

export function parseRole(text: string): Role {
  if (!isRole(text)) {
    throw new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      `--role must be one of ${ROLES.join(", ")}, got "${text}"`,
    );
  }
  return text;
}

export function parseScope(text: string): TokenScope {
  const scope = TOKEN_SCOPES.find((s) => s === text);
  if (!scope) {
    throw new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      `--scope must be one of ${TOKEN_SCOPES.join(", ")}, got "${text}"`,
    );
  }
  return scope;
}

const collect = (value: string, previous: string[]) => [...previous, value];
const when = (ms: number | null) =>
  ms === null ? "-" : new Date(ms).toISOString().slice(0, 16).replace("T", " ");

export function registerToken(program: Command): void {
  const token = program
    .command("token")
    .description("API tokens for the CLI (SLIPWAY_TOKEN) and CI: create, list, revoke (admins)");

  token
    .command("create")
    .description("Create an API token; the secret is printed once and stored only as its SHA-256")
    .argument("<name>", "what it is for, e.g. github-actions-staging")
    .option("--role <role>", `base role: ${ROLES.join(", ")} (required unless --scope)`)
    .option(
      "--scope <scope>",
      `limit the token (${TOKEN_SCOPES.join(", ")}): flags:evaluate makes a client key that can only ` +
        "evaluate flags (OFREP); runner, a token that can only take workflow jobs (slipway runner)",
    )
    .option(
      "--env-role <env=role>",
      "role in one environment, replacing the base role there (repeatable)",
      collect,
      [],
    )
    .option("--expires <duration>", 'lifetime, e.g. "30d" or "12h" (default: never)')
    .option("--json", "print JSON")
    .action(
      async (
        name: string,
        options: { role?: string; scope?: string; envRole: string[]; expires?: string; json?: boolean },
      ) => {
        const environmentRoles = parseEnvironmentRoles(options.envRole);
        const scope = options.scope === undefined ? undefined : parseScope(options.scope);
        if (options.role === undefined && scope === undefined) {
          throw new SlipwayError(
            "SLIPWAY_INVALID_ARGUMENT",
            `--role is required (${ROLES.join(", ")}), or --scope`,
          );
        }
        if (scope !== undefined && (options.role !== undefined || options.envRole.length > 0)) {
          throw new SlipwayError(
            "SLIPWAY_INVALID_ARGUMENT",
            `--scope ${scope} makes a client key, which has no role: drop --role and --env-role`,
          );
        }
        const created = await new ApiClient(serverUrl()).post<{ token: string; record: PublicToken }>(
          "/api/tokens",
          {
            name,
            ...(options.role !== undefined ? { role: parseRole(options.role) } : {}),
            ...(scope !== undefined ? { scope } : {}),
            ...(Object.keys(environmentRoles).length > 0 ? { environmentRoles } : {}),
            ...(options.expires ? { expiresIn: options.expires } : {}),
          },
        );
        if (options.json) return printJson(created);
        process.stdout.write(
          [
            `${style.green("created")} ${created.record.display} ${created.record.name} (${created.record.scope ? `client key, ${created.record.scope}` : created.record.role})`,
            "",
            `  ${created.token}`,
            "",
            style.yellow(
              created.record.scope
                ? "Copy it now: it is shown this once. Use it for OFREP as `Authorization: Bearer …` or `X-API-Key: …`."
                : "Copy it now: it is shown this once. Use it as SLIPWAY_TOKEN or `Authorization: Bearer …`.",
            ),
            "",
          ].join("\n"),
        );
      },
    );

  token
    .command("list")
    .description("API tokens: id, name, role, last use (never the secret)")
    .option("--all", "include revoked tokens")
    .option("--json", "print JSON")
    .action(async (options: { all?: boolean; json?: boolean }) => {
      const { tokens } = await new ApiClient(serverUrl()).get<{ tokens: PublicToken[] }>("/api/tokens");
      const shown = options.all ? tokens : tokens.filter((t) => t.revokedAt === null);
      if (options.json) return printJson(shown);
      if (shown.length === 0) process.stdout.write("no tokens\n");
      for (const t of shown) {
        const envRoles = Object.entries(t.environmentRoles).map(([e, r]) => `${e}=${r}`);
        process.stdout.write(
          `${t.display.padEnd(18)} ${(t.scope ?? t.role).padEnd(8)} ${t.name}${envRoles.length ? ` [${envRoles.join(", ")}]` : ""}` +
            `  ${style.dim(`used ${when(t.lastUsedAt)}`)}${t.expiresAt ? style.dim(`, expires ${when(t.expiresAt)}`) : ""}` +
            `${t.revokedAt ? style.red(` revoked ${when(t.revokedAt)}`) : ""}\n`,
        );
      }
    });

  token
    .command("revoke")
    .description("Revoke an API token now (requests with it get 401)")
    .argument("<id>", "token id as listed (slp_3f9c0a1b2c4d…)")
    .action(async (id: string) => {
      const { token: revoked } = await new ApiClient(serverUrl()).delete<{ token: PublicToken }>(
        `/api/tokens/${encodeURIComponent(id)}`,
      );
      process.stdout.write(`revoked ${revoked.display ?? id} ${revoked.name ?? ""}\n`);
    });
}
