import type { MetricsRecorder } from './metrics';

const noop = () => {};

/** Used without a registry, or when the registry refused our metrics. */
export const NOOP_METRICS: MetricsRecorder = {
  rpc: noop,
  submission: noop,
  resubmission: noop,
  resume: noop,
  poll: noop,
};
