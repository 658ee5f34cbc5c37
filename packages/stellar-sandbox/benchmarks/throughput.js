// Measures what one sandbox round-trip costs through the real SDK, side by side:
// a read (getHealth) against a full payment (build + sign + sendTransaction, which decodes the
// envelope and verifies the ed25519 signature) and a credential mint (simulate + prepare + send).
// Run after `pnpm build`: node benchmarks/throughput.js [payments]
const { Asset, Contract, Keypair, nativeToScVal, Operation, rpc, TransactionBuilder } = require('@stellar/stellar-sdk');
const { startSandbox } = require('../dist');

const N = Number(process.argv[2] ?? 300);

async function time(label, n, fn) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i += 1) await fn(i);
  const perOpMs = Number(process.hrtime.bigint() - started) / 1e6 / n;
  return { label, n, perOpMs };
}

async function main() {
  const sandbox = await startSandbox({ ledgerIntervalMs: 0, fundedAccounts: 2 });
  const server = new rpc.Server(sandbox.url, { allowHttp: true });
  const [a, b] = sandbox.accounts.map((x) => Keypair.fromSecret(x.secret));
  const account = await server.getAccount(a.publicKey());
  const contract = new Contract(sandbox.credentialContractId);

  await time('warm-up', 20, () => server.getHealth());
  const rows = [];
  rows.push(await time('getHealth', N, () => server.getHealth()));
  rows.push(
    await time('payment: build+sign+send+close', N, async () => {
      const tx = new TransactionBuilder(account, { fee: '100', networkPassphrase: sandbox.networkPassphrase })
        .addOperation(Operation.payment({ destination: b.publicKey(), asset: Asset.native(), amount: '0.001' }))
        .setTimeout(30)
        .build();
      tx.sign(a);
      const sent = await server.sendTransaction(tx);
      if (sent.status !== 'PENDING') throw new Error(`unexpected ${sent.status}`);
      sandbox.closeLedger();
    }),
  );
  rows.push(
    await time('mint: build+prepare+sign+send+close', Math.ceil(N / 3), async (i) => {
      const tx = new TransactionBuilder(account, { fee: '100', networkPassphrase: sandbox.networkPassphrase })
        .addOperation(
          contract.call(
            'mint',
            nativeToScVal(b.publicKey(), { type: 'address' }),
            nativeToScVal(`c${i}`, { type: 'string' }),
          ),
        )
        .setTimeout(30)
        .build();
      const prepared = await server.prepareTransaction(tx);
      prepared.sign(a);
      const sent = await server.sendTransaction(prepared);
      if (sent.status !== 'PENDING') throw new Error(`unexpected ${sent.status}`);
      sandbox.closeLedger();
    }),
  );
  const base = rows[0].perOpMs;
  for (const r of rows) {
    console.log(
      `${r.label.padEnd(38)} n=${String(r.n).padStart(4)}  ${r.perOpMs.toFixed(3)} ms/op  x${(r.perOpMs / base).toFixed(2)} vs getHealth`,
    );
  }
  console.log(
    `applied ${sandbox.appliedTransactions().length} transactions, all successful: ${sandbox.appliedTransactions().every((t) => t.successful)}`,
  );
  await sandbox.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
