import { Command, InvalidArgumentError, type Option, type ParseOptionsResult } from "commander";

/** Commander methods that exist and are meant to be overridden, but are missing from its typings. */
interface CommanderInternals {
  missingMandatoryOptionValue(option: Option): never;
  unknownOption(flag: string): never;
}

/**
 * An option parser for whole numbers in [min, max], so `history --limit abc` is refused (exit 2,
 * naming the option and what it takes) instead of being ignored.
 *
 * @example .option("--limit <n>", "how many events", wholeNumber(1, 10_000), 50)
 */
export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (!/^\s*-?\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(
        `expected a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? " up" : ` to ${max}`}.`,
      );
    }
    return value;
  };
}

/**
 * Commander checks required options before unknown ones, so `deploy web --env p --verison v3`
 * said "required option '--version' not specified" instead of pointing at the typo. This command
 * class reports an unknown option first (with commander's "(Did you mean --version?)"), and every
 * sub-command created from it does the same.
 */
export class SlipwayCommand extends Command {
  private unknownSeen: string[] = [];

  override createCommand(name?: string): Command {
    return new SlipwayCommand(name);
  }

  override parseOptions(args: string[]): ParseOptionsResult {
    const parsed = super.parseOptions(args);
    this.unknownSeen = parsed.unknown;
    return parsed;
  }

  constructor(name?: string) {
    super(name);
    const self = this as unknown as CommanderInternals;
    const reportMissing = self.missingMandatoryOptionValue.bind(this);
    self.missingMandatoryOptionValue = (option: Option): never => {
      const typo = this.unknownSeen.find((arg) => arg.startsWith("-") && arg !== "--");
      if (typo !== undefined) self.unknownOption(typo);
      return reportMissing(option);
    };
  }
}
