#!/usr/bin/env node
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { BridgeStartError, ConfigError, PythonError } from "../errors.js";
import { compareCommand } from "./compare.js";
import { doctorCommand } from "./doctor.js";
import { evalCommand } from "./eval.js";
import { sampleCommand } from "./sample.js";
import { trainCommand } from "./train.js";

const EXIT_CODES = { failure: 1, badConfig: 2, bridgeStart: 3 } as const;

try {
  await yargs(hideBin(process.argv))
    .scriptName("vader")
    .command(trainCommand)
    .command(sampleCommand)
    .command(evalCommand)
    .command(compareCommand)
    .command(doctorCommand)
    .demandCommand(1, "Name a command: train, sample, eval, compare or doctor")
    .strict()
    .fail((message, error, parser) => {
      if (error) throw error;
      console.error(`${parser.help()}\n\n${message}`);
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
  } else if (error instanceof PythonError) {
    console.error(`${error.message}\n\nPython traceback:\n${error.traceback}`);
    process.exitCode = EXIT_CODES.failure;
  } else {
    console.error(error);
    process.exitCode = EXIT_CODES.failure;
  }
}
