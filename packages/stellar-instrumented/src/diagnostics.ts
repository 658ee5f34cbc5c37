import type { xdr } from '@stellar/stellar-sdk';

/**
 * A diagnostic event the network attached to a refusal (`sendTransaction` answering `ERROR`),
 * decoded for people and kept as XDR for tools.
 */
export interface DiagnosticEventSummary {
  /** Human-readable: the event's message and arguments, e.g. `transaction … is lower than the actual Soroban resource fee (1000, 60000)`. */
  message: string;
  /** Topics as text, e.g. `['error', 'Error(Storage, ExceededLimit)']`. */
  topics: string[];
  /** Whether the event was emitted inside a contract call that succeeded (stellar-core's flag). */
  inSuccessfulContractCall: boolean;
  /** The `DiagnosticEvent` as base64 XDR, exactly as the RPC sent it. */
  xdr: string;
}

type ScValLike = { readonly type: string; readonly [field: string]: unknown };

const upperFirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function errorText(error: { type: string; code?: { name?: string }; contractCode?: number }): string {
  const type = upperFirst(error.type.replace(/^sce/, ''));
  if (error.type === 'sceContract') return `Error(Contract, #${error.contractCode})`;
  return `Error(${type}, ${upperFirst(String(error.code?.name ?? '').replace(/^scec/, ''))})`;
}

/** Renders an ScVal the way stellar-cli and core's logs do, for the common cases; other types by name. */
function scValText(value: ScValLike): string {
  switch (value.type) {
    case 'scvString':
      return String(value.str);
    case 'scvSymbol':
      return String(value.sym);
    case 'scvError':
      return errorText(value.error as Parameters<typeof errorText>[0]);
    case 'scvBool':
      return String(value.b);
    case 'scvVoid':
      return 'void';
    case 'scvU32':
    case 'scvI32':
    case 'scvU64':
    case 'scvI64':
    case 'scvTimepoint':
    case 'scvDuration': {
      const key = value.type.charAt(3).toLowerCase() + value.type.slice(4);
      return String(value[key]);
    }
    case 'scvVec':
      return `[${((value.vec as ScValLike[] | null) ?? []).map(scValText).join(', ')}]`;
    default:
      return value.type;
  }
}

/** Decodes what the SDK parsed from `diagnosticEventsXdr`. Never throws: an unreadable event keeps its XDR. */
export function summariseDiagnosticEvents(events: readonly xdr.DiagnosticEvent[]): DiagnosticEventSummary[] {
  return events.map((event) => {
    let encoded = '';
    try {
      encoded = event.toXdr('base64');
      const body = event.event.body.value;
      const topics = body.topics.map((t) => scValText(t as unknown as ScValLike));
      const data = body.data as unknown as ScValLike;
      let message: string;
      if (data.type === 'scvVec') {
        const items = (data.vec as ScValLike[] | null) ?? [];
        const [first, ...rest] = items;
        message =
          first?.type === 'scvString'
            ? rest.length > 0
              ? `${scValText(first)} (${rest.map(scValText).join(', ')})`
              : scValText(first)
            : scValText(data);
      } else {
        message = scValText(data);
      }
      return { message, topics, inSuccessfulContractCall: event.inSuccessfulContractCall, xdr: encoded };
    } catch {
      return { message: 'undecodable diagnostic event', topics: [], inSuccessfulContractCall: false, xdr: encoded };
    }
  });
}
