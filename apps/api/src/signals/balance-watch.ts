import type { AccountLabel } from '../names';
import type { ServiceMetrics } from '../service-metrics';
import type { StellarGateway } from '../stellar/gateway';
import { isRpcUnreachable } from '../stellar/rpc-health';

/** Options of {@link startBalanceWatch}. */
export interface BalanceWatchOptions {
  gateway: Pick<StellarGateway, 'balanceXlm'>;
  metrics: ServiceMetrics;
  /**
   * The accounts to watch, by role: their public keys (never secrets). A list (the channel
   * accounts) reports its lowest balance: the channel nearest to running out of fee money.
   */
  accounts: Partial<Record<AccountLabel, string | readonly string[]>>;
  /** Refresh period in ms (config `BALANCE_REFRESH_INTERVAL_MS`, default 60000). */
  intervalMs: number;
  log: { warn(obj: object, msg?: string): void; debug(obj: object, msg?: string): void };
}

/** A running balance watch: `refresh` reads every balance now; `stop` ends the timer. */
export interface BalanceWatch {
  refresh(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Keeps `stellar_account_balance_xlm{account}` current: at start, every `intervalMs`, and
 * whenever `refresh()` is called (after each payout). A failed read keeps the last value
 * (the RPC outage shows in `stellar_rpc_requests_total`), so a balance alert never flaps on it.
 */
export function startBalanceWatch(options: BalanceWatchOptions): BalanceWatch {
  const { gateway, metrics, accounts, intervalMs, log } = options;
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;
  const readAll = async () => {
    for (const [account, keys] of Object.entries(accounts) as Array<[AccountLabel, string | readonly string[]]>) {
      const list = typeof keys === 'string' ? [keys] : keys;
      if (list.length === 0) continue;
      try {
        const balances = await Promise.all(list.map((publicKey) => gateway.balanceXlm(publicKey)));
        metrics.accountBalance(account, Math.min(...balances));
      } catch (error) {
        // An RPC outage is reported once by the RPC monitor (stellar/rpc-health.ts), not per read.
        const level = isRpcUnreachable(error) ? 'debug' : 'warn';
        log[level]({ err: error, account }, 'could not read the account balance; keeping the last value');
      }
    }
  };
  // One read at a time; a refresh asked during a read runs once more right after it.
  const refresh = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = readAll().finally(() => {
      running = undefined;
      if (again && !stopped) {
        again = false;
        void refresh();
      }
    });
    return running;
  };
  const timer = setInterval(() => void refresh(), intervalMs);
  timer.unref();
  void refresh();
  return {
    refresh,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
