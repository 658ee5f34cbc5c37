module.exports = {
  ...require('../../jest.preset.cjs'),
  // Packing, one npm install and the release dry run take a while on a loaded 2-core machine.
  testTimeout: 240000,
};
