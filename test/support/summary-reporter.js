/**
 * Prints the plain closing line CI reads ("Tests: N passed, N failed, N skipped") as the very
 * last line of the run, after Jest's own summary and the coverage table.
 */
const fs = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `Tests: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`;
    process.once('exit', () => fs.writeSync(1, `\n${line}`));
  }
}
module.exports = SummaryReporter;
