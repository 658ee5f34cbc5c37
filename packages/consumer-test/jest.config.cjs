module.exports = {
  ...require('../../jest.preset.cjs'),
  // Packing and installing into fresh projects takes minutes on a loaded 2-core machine.
  testTimeout: 600000,
};
