import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { protocolJsonSchema } from "../../src/protocol/json-schema.js";
import { PACKAGE_ROOT } from "../../src/transport/package-root.js";

describe("protocol JSON Schema", () => {
  it("the copy Python is tested against matches the zod schemas (else run: npx tsx scripts/export-protocol-schema.ts)", () => {
    const committed = JSON.parse(readFileSync(join(PACKAGE_ROOT, "python-bridge", "vader_bridge", "protocol_schema.json"), "utf8"));
    expect(committed).toEqual(JSON.parse(JSON.stringify(protocolJsonSchema())));
  });
});
