// Sum vitest JSON reports into one line: "N passed, N failed, N skipped".
// Arguments: NAME:FILE:EXIT_CODE ... (FILE '-' for a single check judged by its exit code). A stage whose report is missing, or that
// exited non-zero with no failed test in its report, counts as one failure.
import { readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const arg of process.argv.slice(2)) {
  const [name, file, rcText] = arg.split(':');
  const rc = Number(rcText);
  if (file === '-') {
    // A single check with no report: its exit code is its result.
    console.log(`${name}: ${rc === 0 ? 'passed' : `failed (exit ${rc})`}`);
    if (rc === 0) passed += 1;
    else failed += 1;
    continue;
  }
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    console.log(`${name}: no report at ${file} (exit ${rc}): counted as 1 failure`);
    failed += 1;
    continue;
  }
  const p = report.numPassedTests ?? 0;
  const f = report.numFailedTests ?? 0;
  const s = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  console.log(`${name}: ${p} passed, ${f} failed, ${s} skipped (exit ${rc})`);
  const skippedTitles = (report.testResults ?? []).flatMap((file) =>
    (file.assertionResults ?? []).filter((t) => t.status === 'skipped' || t.status === 'pending' || t.status === 'todo').map((t) => t.fullName ?? t.title));
  for (const title of skippedTitles.slice(0, 12)) console.log(`  skipped: ${title}`);
  if (skippedTitles.length > 12) console.log(`  skipped: ... and ${skippedTitles.length - 12} more`);
  passed += p;
  failed += f;
  skipped += s;
  if (rc !== 0 && f === 0) {
    console.log(`${name}: exited ${rc} without a failed test (a suite failed to load or the run broke): counted as 1 failure`);
    failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
