import type { Command } from "commander";
import { ApiClient, serverUrl } from "../../server/client.js";
import { printJson } from "../output.js";

interface PreviewGrant {
  revision: string;
  header: string;
  value: string;
}

export function registerPreview(program: Command): void {
  program
    .command("preview")
    .description(
      "Print the signed header that sends your requests to one version through the proxy, even at weight 0 (kept out of the analysis)",
    )
    .argument("<service>", "service name")
    .requiredOption("--env <environment>", "environment")
    .requiredOption("--version <version>", "version to preview")
    .option("--json", "print JSON")
    .action(async (service: string, options: { env: string; version: string; json?: boolean }) => {
      const api = new ApiClient(serverUrl());
      const grant = await api.post<PreviewGrant>("/api/previews", {
        service,
        environment: options.env,
        version: options.version,
      });
      if (options.json) printJson(grant);
      else process.stdout.write(`${grant.header}: ${grant.value}\n`);
    });
}
