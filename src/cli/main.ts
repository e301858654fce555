#!/usr/bin/env node
// The `vader` command. A bad input ends with a short message (the flag or field, the problem, the
// fix) and exit code 2; other failures with the error's message and exit code 1. Stack traces and
// Python tracebacks only with --debug.
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { BridgeStartError, ConfigError, PythonError } from "../errors.js";
import { ERROR_CODES } from "../protocol/error-codes.js";
import { compareCommand } from "./compare.js";
import { doctorCommand } from "./doctor.js";
import { evalCommand } from "./eval.js";
import { exportLoraCommand } from "./export-lora.js";
import { sampleCommand } from "./sample.js";
import { scoreCommand } from "./score.js";
import { trainCommand } from "./train.js";

const EXIT_CODES = { failure: 1, badConfig: 2, bridgeStart: 3 } as const;
const debug = process.argv.includes("--debug");
const DEBUG_HINT = "(run again with --debug for the full trace)";

try {
  await yargs(hideBin(process.argv))
    .scriptName("vader")
    .command(trainCommand)
    .command(sampleCommand)
    .command(evalCommand)
    .command(compareCommand)
    .command(scoreCommand)
    .command(exportLoraCommand)
    .command((await import("./report.js")).reportCommand)
    .command(doctorCommand)
    .option("debug", { type: "boolean", describe: "print stack traces and Python tracebacks on errors" })
    .demandCommand(1, "Name a command: train, sample, eval, compare, score, export-lora or doctor")
    .strict()
    .fail((message, error) => {
      if (error) throw error;
      console.error(`${message}\nSee vader --help, or vader <command> --help.`);
      process.exit(EXIT_CODES.badConfig);
    })
    .help()
    .parseAsync();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exitCode = EXIT_CODES.badConfig;
  } else if (error instanceof BridgeStartError) {
    console.error(error.message);
    process.exitCode = EXIT_CODES.bridgeStart;
  } else if (error instanceof PythonError && error.code === ERROR_CODES.invalidArgument) {
    // A bad input Python could judge (a missing weight file, an unknown name): its message names it and the fix.
    console.error(debug ? `${error.message}\n\nPython traceback:\n${error.traceback}` : error.pythonMessage);
    process.exitCode = EXIT_CODES.badConfig;
  } else if (error instanceof PythonError) {
    console.error(debug ? `${error.message}\n\nPython traceback:\n${error.traceback}` : `${error.message}\n${DEBUG_HINT}`);
    process.exitCode = EXIT_CODES.failure;
  } else {
    console.error(debug ? error : `${error instanceof Error ? error.message : String(error)}\n${DEBUG_HINT}`);
    process.exitCode = EXIT_CODES.failure;
  }
}
