module.exports = {
  ...require('../jest.preset.cjs'),
  // Prometheus, Alertmanager and the service run for real: minutes, not seconds, on a loaded machine.
  testTimeout: 240000,
  // One file at a time: each starts service instances, Prometheus and Alertmanager; in parallel with the
  // other packages' suites that load pushes their timing-sensitive tests over on 2 shared cores.
  maxWorkers: 1,
};
