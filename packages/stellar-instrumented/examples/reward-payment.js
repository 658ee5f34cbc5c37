'use strict';
// A reward payment end to end against the local sandbox, then a resumed wait,
// printing the outcome and the metrics it produced.
//   node examples/reward-payment.js      (after `pnpm build`)
const { Asset, Keypair, Operation, rpc, TransactionBuilder } = require('@stellar/stellar-sdk');
const { Registry } = require('prom-client');
const { startSandbox } = require('@app/stellar-sandbox');
const { createStellarClient } = require('..');

async function main() {
  const sandbox = await startSandbox({ ledgerIntervalMs: 500 });
  const registry = new Registry();
  const stellar = createStellarClient({
    server: new rpc.Server(sandbox.url, { allowHttp: true }),
    registry,
    pollIntervalMs: 250,
  });
  const [payer, learner] = sandbox.accounts;
  const account = await stellar.getAccount(payer.publicKey);
  const tx = new TransactionBuilder(account, { fee: '100', networkPassphrase: sandbox.networkPassphrase })
    .addOperation(Operation.payment({ destination: learner.publicKey, asset: Asset.native(), amount: '5' }))
    .setTimeout(60)
    .build();
  tx.sign(Keypair.fromSecret(payer.secret));

  // One TRY_AGAIN_LATER, to show the identical envelope being sent again.
  sandbox.faults.inject({ kind: 'try_again_later' });
  const persisted = {};
  const outcome = await stellar.submitAndWait(tx, {
    method: 'reward_payment',
    onHash: (identity) => Object.assign(persisted, identity, { submittedAt: Date.now() }),
  });
  const { error, returnValue, ...printable } = outcome;
  console.log('outcome', printable);

  // What a reconciler does after a restart with the persisted row: poll, never send.
  const resumed = await stellar.waitForTransaction(persisted.hash, { method: 'reward_payment', ...persisted });
  console.log('resumed', resumed.status, 'sent', sandbox.sentCount(persisted.hash), 'times');

  const text = await registry.metrics();
  console.log(
    text
      .split('\n')
      .filter((line) => line.startsWith('stellar_') && !line.includes('_bucket'))
      .join('\n'),
  );
  await sandbox.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
