// `vader report DIR`: (re)writes report.html for a run directory or a comparison's folder (and each
// of its runs), from the files alone: no Python starts.
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { writeReports } from "../report/write-report.js";
import { existingFolder } from "./inputs.js";

interface ReportArguments {
  dir: string;
}

/** Writes the report(s) of `dir` and prints each path; resolves to the paths. */
export function report(argv: ReportArguments, print: (line: string) => void = console.log): string[] {
  const written = writeReports(existingFolder("DIR", argv.dir, "a run directory of vader train or the folder of a vader compare"));
  for (const path of written) print(`report: ${path}`);
  return written;
}

export const reportCommand: CommandModule<object, ReportArguments> = {
  command: "report <dir>",
  describe: "Write report.html (config, reward curves, judge, before/after videos, LoRA files) for a run directory or a comparison's folder; it opens offline",
  builder: (yargs: Argv) =>
    yargs.positional("dir", { type: "string", demandOption: true, describe: "run directory, or a vader compare folder (its runs get theirs too)" }) as unknown as Argv<ReportArguments>,
  handler: (argv: ArgumentsCamelCase<ReportArguments>) => {
    report(argv);
  },
};
