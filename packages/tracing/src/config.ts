import type { Attributes } from '@opentelemetry/api';
import { invalidOption } from './errors';
import {
  ENV_DEBUG,
  ENV_DISABLED_INSTRUMENTATIONS,
  ENV_ENABLED_INSTRUMENTATIONS,
  ENV_EXPORT_THREAD,
  ENV_FASTIFY_HOOK_SPANS,
  ENV_SERVER_SPANS,
  ENV_TRACE_BACKGROUND,
  INSTRUMENTATION_NAMES,
} from './semconv';
import type {
  ExporterKind,
  ExportThread,
  InstrumentationName,
  OtlpProtocol,
  SamplerName,
  ServerSpans,
  TracingOptions,
} from './types';

/** `TracingOptions` with env and defaults applied; what the rest of the package works from. */
export interface ResolvedConfig {
  enabled: boolean;
  serviceName: string;
  resourceAttributes: Attributes;
  exporter: ExporterKind;
  otlpEndpoint: string;
  otlpProtocol: OtlpProtocol;
  exportThread: ExportThread;
  otlpHeaders: Record<string, string>;
  otlpTimeoutMillis: number;
  sampler: SamplerName;
  samplerRatio: number;
  batch: {
    maxQueueSize: number;
    maxExportBatchSize: number;
    scheduledDelayMillis: number;
    exportTimeoutMillis: number;
  };
  instrumentations: InstrumentationName[];
  traceBackground: boolean;
  serverSpans: ServerSpans;
  fastifyHookSpans: boolean;
  ignorePaths: string[];
  debug: boolean;
}

type Env = Record<string, string | undefined>;

const EXPORTERS: readonly ExporterKind[] = ['otlp', 'console', 'none'];
const PROTOCOLS: readonly OtlpProtocol[] = ['http/json', 'http/protobuf'];
const SERVER_SPANS: readonly ServerSpans[] = ['fastify', 'http'];
const EXPORT_THREADS: readonly ExportThread[] = ['worker', 'main'];
const SAMPLERS: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

function str(env: Env, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return undefined;
}

function bool(env: Env, name: string): boolean | undefined {
  const value = str(env, name)?.toLowerCase();
  if (value === undefined) return undefined;
  return value === 'true' || value === '1';
}

function int(env: Env, name: string): number | undefined {
  const value = str(env, name);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw invalidOption(name, value, 'a positive integer');
  return parsed;
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  if (!(allowed as readonly string[]).includes(lower)) throw invalidOption(name, value, allowed.join(' | '));
  return lower as T;
}

/** `k1=v1,k2=v2` with percent-encoded values, as `OTEL_RESOURCE_ATTRIBUTES` and `*_HEADERS` use. */
function keyValues(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!value) return out;
  for (const pair of value.split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const key = pair.slice(0, at).trim();
    try {
      out[key] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      out[key] = pair.slice(at + 1).trim();
    }
  }
  return out;
}

function nameList(env: Env, name: string): InstrumentationName[] | undefined {
  const value = str(env, name);
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean)
    .map((item) => {
      // auto-instrumentations-node spells them `@opentelemetry/instrumentation-pg`; accept both.
      const short = item.replace(/^@opentelemetry\/instrumentation-/, '').replace(/^@fastify\/otel$/, 'fastify');
      return oneOf(name, short, INSTRUMENTATION_NAMES) as InstrumentationName;
    });
}

function otlpEndpoint(env: Env): string {
  const traces = str(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  if (traces) return traces;
  const base = str(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') ?? 'http://localhost:4318';
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

function ratio(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 1) throw invalidOption(name, String(value), 'a number in 0..1');
  return value;
}

/**
 * Applies the standard `OTEL_*` variables, then `options` over them.
 * Throws `TracingError` (`TRACING_ERR_INVALID_OPTION`) for a value it cannot honour,
 * rather than tracing in a way the operator did not ask for.
 */
export function resolveConfig(options: TracingOptions = {}, env: Env = process.env): ResolvedConfig {
  const sdkDisabled = bool(env, 'OTEL_SDK_DISABLED') === true;
  const protocolEnv = str(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL');
  const exporterEnv = str(env, 'OTEL_TRACES_EXPORTER')?.split(',')[0]?.trim();
  const samplerArg = str(env, 'OTEL_TRACES_SAMPLER_ARG');

  const enabledList = options.instrumentations
    ? [...options.instrumentations]
    : (nameList(env, ENV_ENABLED_INSTRUMENTATIONS) ?? [...INSTRUMENTATION_NAMES]);
  const disabled = new Set(options.instrumentations ? [] : (nameList(env, ENV_DISABLED_INSTRUMENTATIONS) ?? []));
  for (const name of enabledList) {
    if (!(INSTRUMENTATION_NAMES as readonly string[]).includes(name)) {
      throw invalidOption('instrumentations', name, INSTRUMENTATION_NAMES.join(' | '));
    }
  }

  const resourceAttributes: Attributes = {
    ...keyValues(str(env, 'OTEL_RESOURCE_ATTRIBUTES')),
    ...options.resourceAttributes,
  };
  const serviceName =
    options.serviceName ??
    str(env, 'OTEL_SERVICE_NAME') ??
    (typeof resourceAttributes['service.name'] === 'string' ? resourceAttributes['service.name'] : undefined) ??
    'unknown_service:node';

  return {
    enabled: options.enabled ?? !sdkDisabled,
    serviceName,
    resourceAttributes,
    exporter: options.exporter ?? oneOf('OTEL_TRACES_EXPORTER', exporterEnv, EXPORTERS) ?? 'otlp',
    otlpEndpoint: options.otlpEndpoint ?? otlpEndpoint(env),
    otlpProtocol:
      oneOf('otlpProtocol', options.otlpProtocol, PROTOCOLS) ??
      oneOf('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', protocolEnv, PROTOCOLS) ??
      // The specification's default (and about a third of JSON's encoding cost per span).
      'http/protobuf',
    exportThread:
      oneOf('exportThread', options.exportThread, EXPORT_THREADS) ??
      oneOf(ENV_EXPORT_THREAD, str(env, ENV_EXPORT_THREAD), EXPORT_THREADS) ??
      'worker',
    otlpHeaders: {
      ...keyValues(str(env, 'OTEL_EXPORTER_OTLP_HEADERS')),
      ...keyValues(str(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS')),
      ...options.otlpHeaders,
    },
    otlpTimeoutMillis: options.otlpTimeoutMillis ?? int(env, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT') ?? 10000,
    sampler:
      oneOf('sampler', options.sampler, SAMPLERS) ??
      oneOf('OTEL_TRACES_SAMPLER', str(env, 'OTEL_TRACES_SAMPLER'), SAMPLERS) ??
      'parentbased_always_on',
    samplerRatio:
      options.samplerRatio !== undefined
        ? ratio('samplerRatio', options.samplerRatio)
        : samplerArg !== undefined
          ? ratio('OTEL_TRACES_SAMPLER_ARG', Number(samplerArg))
          : 1,
    batch: {
      maxQueueSize: options.batch?.maxQueueSize ?? int(env, 'OTEL_BSP_MAX_QUEUE_SIZE') ?? 2048,
      maxExportBatchSize: options.batch?.maxExportBatchSize ?? int(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE') ?? 512,
      scheduledDelayMillis: options.batch?.scheduledDelayMillis ?? int(env, 'OTEL_BSP_SCHEDULE_DELAY') ?? 5000,
      exportTimeoutMillis: options.batch?.exportTimeoutMillis ?? int(env, 'OTEL_BSP_EXPORT_TIMEOUT') ?? 30000,
    },
    instrumentations: enabledList.filter((name) => !disabled.has(name)),
    traceBackground: options.traceBackground ?? bool(env, ENV_TRACE_BACKGROUND) ?? false,
    serverSpans:
      oneOf('serverSpans', options.serverSpans, SERVER_SPANS) ??
      oneOf(ENV_SERVER_SPANS, str(env, ENV_SERVER_SPANS), SERVER_SPANS) ??
      'fastify',
    fastifyHookSpans: options.fastifyHookSpans ?? bool(env, ENV_FASTIFY_HOOK_SPANS) ?? false,
    ignorePaths: [...(options.ignorePaths ?? [])],
    debug: options.debug ?? bool(env, ENV_DEBUG) ?? false,
  };
}
