/** Ends every run with one plain line, `N passed, N failed, N skipped`, that any CI can read. */
export default class SummaryLineReporter {
  onRunComplete(_contexts, results) {
    process.stdout.write(`\n${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests + results.numTodoTests} skipped\n`);
  }
}
