// Shared jest setup: every package runs its TypeScript tests through ts-jest
// (transpile only; `typecheck` is a separate turbo task) and writes a JSON
// report that scripts/test-summary.mjs sums into the closing line.
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [require.resolve('ts-jest'), { tsconfig: '<rootDir>/tsconfig.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'cjs', 'mjs', 'json'],
  testTimeout: 30000,
  reporters: ['default', require.resolve('./scripts/jest-report.cjs')],
};
