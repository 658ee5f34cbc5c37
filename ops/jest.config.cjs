module.exports = {
  ...require('../jest.preset.cjs'),
  // Prometheus, Alertmanager and the service run for real: minutes, not seconds, on a loaded machine.
  testTimeout: 240000,
};
