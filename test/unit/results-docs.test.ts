// Every number in README.md and docs/ that a measurement made is rendered from a committed artifact
// (scripts/results-tables.ts): a block that differs from what its files say fails here.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DOCUMENTS, renderDocument } from "../../scripts/results-tables.js";
import { PACKAGE_ROOT } from "../../src/transport/package-root.js";

describe("results blocks in the docs", () => {
  it.each(DOCUMENTS)("%s is what its artifacts say (else run: npx tsx scripts/results-tables.ts)", (document) => {
    const text = readFileSync(join(PACKAGE_ROOT, document), "utf8");
    expect(renderDocument(text)).toBe(text);
  });

  it("refuses a block it does not know", () => {
    expect(() => renderDocument("<!-- results:typed-by-hand -->\n1.0\n<!-- /results:typed-by-hand -->")).toThrow(/unknown results block "typed-by-hand"/);
  });
});
