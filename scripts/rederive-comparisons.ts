// Re-derives committed comparisons with today's rules (selection, spread, judge falls, queries to
// match): reads each results.json (any version), writes it back at the current version with its table.md.
//   npx tsx scripts/rederive-comparisons.ts docs/results/figure7/digit/results.json ...
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { loadComparisonResults } from "../src/compare/saved-results.js";
import { comparisonTable } from "../src/compare/table.js";

for (const path of process.argv.slice(2)) {
  const results = loadComparisonResults(path);
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(dirname(path), results.files.table), comparisonTable(results));
  const flagged = results.summary.filter((summary) => summary.judgeFalls.length > 0 || summary.rewardHacking).map((summary) => summary.method);
  console.log(`${path}: version ${results.version}; flagged: ${flagged.join(", ") || "none"}`);
}
