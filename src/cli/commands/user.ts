import type { Command } from "commander";
import type { Role } from "../../core/access/roles.js";
import { ROLES } from "../../core/access/roles.js";
import { SlipwayError } from "../../core/errors.js";
import { ApiClient, serverUrl } from "../../server/client.js";
import { printJson, style } from "../output.js";
import { parseEnvironmentRoles, parseRole } from "./token.js";

interface PublicUser {
  id: string;
  name: string;
  role: Role;
  environmentRoles: Record<string, Role>;
  createdAt: number;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** All of stdin, without its final newline (`--password-stdin`, as `docker login` does). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/** Asks for a password on the terminal without echoing it. */
async function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    throw new SlipwayError(
      "SLIPWAY_INVALID_ARGUMENT",
      "no terminal to ask for the password: use --password-stdin",
    );
  }
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((ok, fail) => {
    let typed = "";
    const onData = (data: Buffer) => {
      for (const char of data.toString("utf8")) {
        if (char === "\r" || char === "\n") {
          done();
          ok(typed);
          return;
        }
        if (char === "\u0003") {
          done();
          fail(new SlipwayError("SLIPWAY_INVALID_ARGUMENT", "cancelled"));
          return;
        }
        if (char === "\u007f") typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    const done = () => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
    };
    stdin.on("data", onData);
  });
}

export function registerUser(program: Command): void {
  const user = program.command("user").description("Dashboard users: add, list, remove (admins)");

  user
    .command("add")
    .description("Add a dashboard user (password: at least 12 characters, stored as an scrypt hash)")
    .argument("<name>", "user name")
    .requiredOption("--role <role>", `base role: ${ROLES.join(", ")}`)
    .option(
      "--env-role <env=role>",
      "role in one environment, replacing the base role there (repeatable)",
      collect,
      [],
    )
    .option("--password-stdin", "read the password from stdin instead of asking")
    .option("--json", "print JSON")
    .action(
      async (
        name: string,
        options: { role: string; envRole: string[]; passwordStdin?: boolean; json?: boolean },
      ) => {
        const role = parseRole(options.role);
        const environmentRoles = parseEnvironmentRoles(options.envRole);
        const password = options.passwordStdin
          ? await readStdin()
          : await promptHidden(`password for ${name}: `);
        const { user: created } = await new ApiClient(serverUrl()).post<{ user: PublicUser }>("/api/users", {
          name,
          password,
          role,
          ...(Object.keys(environmentRoles).length > 0 ? { environmentRoles } : {}),
        });
        if (options.json) return printJson(created);
        process.stdout.write(`${style.green("added")} ${created.name} (${created.role})\n`);
      },
    );

  user
    .command("list")
    .description("Dashboard users and their roles")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }) => {
      const { users } = await new ApiClient(serverUrl()).get<{ users: PublicUser[] }>("/api/users");
      if (options.json) return printJson(users);
      if (users.length === 0) process.stdout.write("no users\n");
      for (const u of users) {
        const envRoles = Object.entries(u.environmentRoles).map(([e, r]) => `${e}=${r}`);
        process.stdout.write(
          `${u.name.padEnd(20)} ${u.role}${envRoles.length ? ` [${envRoles.join(", ")}]` : ""}\n`,
        );
      }
    });

  user
    .command("remove")
    .description("Remove a user and end their sessions")
    .argument("<name>", "user name (or id)")
    .action(async (name: string) => {
      const { user: removed } = await new ApiClient(serverUrl()).delete<{ user: PublicUser }>(
        `/api/users/${encodeURIComponent(name)}`,
      );
      process.stdout.write(`removed ${removed.name}\n`);
    });
}
