// Writes python-bridge/vader_bridge/protocol_schema.json from the zod schemas.
// Run after changing src/protocol: `npx tsx scripts/export-protocol-schema.ts` (a test checks it is current).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { protocolJsonSchema } from "../src/protocol/json-schema.js";
import { PACKAGE_ROOT } from "../src/transport/package-root.js";

const PROTOCOL_SCHEMA_PATH = join(PACKAGE_ROOT, "python-bridge", "vader_bridge", "protocol_schema.json");
writeFileSync(PROTOCOL_SCHEMA_PATH, JSON.stringify(protocolJsonSchema(), null, 2) + "\n");
console.log(`wrote ${PROTOCOL_SCHEMA_PATH}`);
