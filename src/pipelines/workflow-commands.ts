import { parseWorkflowCommand } from "../core/workflow/file-commands.js";
import type { LogLevel } from "../core/workflow/model.js";
import type { RunScope } from "./run-scope.js";

/** Handles `::command::` lines under GitHub's rules, printing everything else. */
export class WorkflowCommands {
  failed = false;
  private stopToken: string | undefined;

  constructor(
    private readonly scope: Pick<RunScope, "masker">,
    private readonly step: {
      setOutput: (name: string, value: string) => void;
      state: Map<string, string>;
      env: Record<string, string>;
      addEnv: (name: string, value: string) => void;
      addPath: (entry: string) => void;
      log: (text: string, level?: LogLevel) => void;
    },
  ) {}

  handle(line: string): void {
    if (this.stopToken !== undefined) {
      if (line.trim() === `::${this.stopToken}::`) this.stopToken = undefined;
      else this.step.log(line);
      return;
    }
    const command = parseWorkflowCommand(line);
    if (!command) {
      this.step.log(line);
      return;
    }
    const allowUnsecure = (this.step.env.ACTIONS_ALLOW_UNSECURE_COMMANDS ?? "").toLowerCase() === "true";
    switch (command.command) {
      case "add-mask":
        this.scope.masker.add(command.message);
        return;
      case "error":
      case "warning":
      case "notice": {
        const where = command.properties.file
          ? ` (${command.properties.file}${command.properties.line ? `:${command.properties.line}` : ""})`
          : "";
        const label = command.command.charAt(0).toUpperCase() + command.command.slice(1);
        this.step.log(
          `${label}${where}: ${command.properties.title ? `${command.properties.title}: ` : ""}${command.message}`,
          command.command,
        );
        return;
      }
      case "group":
        this.step.log(command.message, "group");
        return;
      case "endgroup":
        this.step.log("", "endgroup");
        return;
      case "debug":
        if ((this.step.env.ACTIONS_STEP_DEBUG ?? "").toLowerCase() === "true")
          this.step.log(`##[debug]${command.message}`);
        return;
      case "set-output":
        this.step.log(
          "Warning: The `set-output` command is deprecated; write to $GITHUB_OUTPUT instead",
          "warning",
        );
        if (command.properties.name) this.step.setOutput(command.properties.name, command.message);
        return;
      case "save-state":
        if (command.properties.name) this.step.state.set(command.properties.name, command.message);
        return;
      case "set-env":
      case "add-path":
        if (!allowUnsecure) {
          this.failed = true;
          this.step.log(
            `Error: Unable to process command '${line.trim().slice(0, 60)}': the '${command.command}' command is disabled; use $GITHUB_${command.command === "set-env" ? "ENV" : "PATH"} (or set ACTIONS_ALLOW_UNSECURE_COMMANDS=true)`,
            "error",
          );
          return;
        }
        this.step.log(`Warning: '${command.command}' is deprecated`, "warning");
        if (command.command === "set-env" && command.properties.name) {
          this.step.addEnv(command.properties.name, command.message);
        } else if (command.command === "add-path") this.step.addPath(command.message);
        return;
      case "stop-commands":
        this.stopToken = command.message;
        return;
      case "echo":
        return;
      default:
        this.step.log(line);
    }
  }
}
