import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  SamplingDecision,
  type SamplingResult,
} from '@opentelemetry/sdk-trace';
import type { SamplerName } from './types';

const SAMPLED: SamplingResult = Object.freeze({ decision: SamplingDecision.RECORD_AND_SAMPLED });
const NOT_SAMPLED: SamplingResult = Object.freeze({ decision: SamplingDecision.NOT_RECORD });

/**
 * `traceidratio`: the decision of the SDK's `TraceIdRatioBasedSampler` (the same hash of the trace
 * id, so services mixing both agree on a trace), answered without hashing when the ratio is 0 or 1,
 * and returning shared result objects.
 */
export class RatioSampler implements Sampler {
  private readonly upperBound: number;

  constructor(private readonly ratio: number) {
    this.upperBound = ratio >= 1 ? 0x100000000 : ratio <= 0 ? 0 : Math.floor(ratio * 0xffffffff);
  }

  shouldSample(_context: unknown, traceId: string): SamplingResult {
    if (this.upperBound === 0) return NOT_SAMPLED;
    if (traceId.length !== 32) return NOT_SAMPLED;
    if (this.upperBound === 0x100000000) return SAMPLED;
    let accumulation = 0;
    for (let i = 0; i < 32; i += 8) {
      let part = 0;
      for (let j = 0; j < 8; j++) {
        const c = traceId.charCodeAt(i + j);
        part = (part << 4) | (c < 58 ? c - 48 : c < 71 ? c - 55 : c - 87);
      }
      accumulation = (accumulation ^ part) >>> 0;
    }
    return accumulation < this.upperBound ? SAMPLED : NOT_SAMPLED;
  }

  toString(): string {
    return `TraceIdRatioBased{${this.ratio}}`;
  }
}

/** The sampler named as in `OTEL_TRACES_SAMPLER`. */
export function createSampler(name: SamplerName, ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new RatioSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new RatioSampler(ratio) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}
