import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The package's root folder: two levels above this file, both in src/transport and dist/transport. */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
