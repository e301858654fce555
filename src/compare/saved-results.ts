// Reads a comparison's results.json, whatever version wrote it, as the current schema: results of
// version 1 (before validation samples, peak memory per run, seed spread and judge falls) are
// upgraded and summarized again by today's rules, so that old comparisons carry today's flags.
import { readFileSync } from "node:fs";
import { ConfigError } from "../errors.js";
import { COMPARISON_RESULTS_VERSION, ComparisonResults } from "../specs/comparison-results.js";
import { queriesToMatch } from "./queries-to-match.js";
import { summarize } from "./summary.js";

type Json = Record<string, unknown>;

function upgradeFromVersion1(results: Json): Json {
  const runs = (results.runs as Json[]).map((run) => ({ ...run, validation: null, peakMemoryBytes: null }));
  return { ...results, version: 2, validation: null, runs };
}

/** The results as the current schema, with the summary and queries-to-match derived again from the runs. */
export function resummarize(results: ComparisonResults): ComparisonResults {
  const summary = summarize(results.methods, results.runs, results.baseScores, results.reward);
  return ComparisonResults.parse({ ...results, summary, queriesToMatch: results.methods.includes("vader") ? queriesToMatch(results.runs, summary) : null });
}

/** Reads a results.json of any version as the current schema, with its summary derived again; throws ConfigError if it cannot. */
export function loadComparisonResults(path: string): ComparisonResults {
  let parsed: Json;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8")) as Json;
  } catch (error) {
    throw new ConfigError(path, [`is not a readable results.json (${(error as Error).message}); give the results.json that vader compare wrote`]);
  }
  const upgraded = parsed.version === 1 ? upgradeFromVersion1(parsed) : parsed;
  if (upgraded.version !== COMPARISON_RESULTS_VERSION) {
    throw new ConfigError(path, [`has results version ${String(parsed.version)}; this SDK reads versions 1 to ${COMPARISON_RESULTS_VERSION}`]);
  }
  // The summary is derived data: derive it again, so that a file's flags follow today's rules.
  const { summary: _summary, queriesToMatch: _reading, ...rest } = upgraded;
  const runs = ComparisonResults.shape.runs.parse(rest.runs);
  const draft = { ...rest, runs, summary: [], queriesToMatch: null } as unknown as ComparisonResults;
  return resummarize(draft);
}
