// Jest reporter that writes the run's totals to <rootDir>/reports/jest.json,
// which scripts/test-summary.mjs sums across packages.
const { mkdirSync, writeFileSync } = require('node:fs');
const path = require('node:path');

class JsonTotalsReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const dir = path.join(this.rootDir, 'reports');
    mkdirSync(dir, { recursive: true });
    const totals = {
      numPassedTests: results.numPassedTests,
      numFailedTests: results.numFailedTests,
      numPendingTests: results.numPendingTests,
      numTodoTests: results.numTodoTests,
      numRuntimeErrorTestSuites: results.numRuntimeErrorTestSuites,
    };
    writeFileSync(path.join(dir, 'jest.json'), `${JSON.stringify(totals, null, 2)}\n`);
  }
}

module.exports = JsonTotalsReporter;
