#!/usr/bin/env node
// A brand-new keypair through the whole journey against a running API:
// sign in (SEP-53), take every quiz of the demo course, claim each reward,
// mint the course credential. Usage: node scripts/journey.mjs [API_URL]
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Keypair } = require('@stellar/stellar-sdk');

const api = (process.argv[2] ?? process.env.API_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
let token;

async function call(method, path, body) {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${path} -> ${response.status} ${JSON.stringify(json)}`);
  return json;
}

const keypair = Keypair.random();
const stellarAddress = keypair.publicKey();
console.log(`learner ${stellarAddress} (new keypair, kept in memory only)`);

const { challenge } = await call('POST', '/auth/challenge', { stellarAddress });
// SEP-53: the wallet signs the challenge text; the API verifies with Keypair.verifyMessage.
const signature = Buffer.from(keypair.signMessage(challenge)).toString('base64');
({ token } = await call('POST', '/auth/verify', { stellarAddress, challenge, signature }));
console.log('signed in');

const [course] = await call('GET', '/courses');
console.log(`course ${course.id}: ${course.quizzes.length} quizzes`);
// The demo answers are in apps/api/data/courses.json; a real learner reads the questions.
const { courses } = require('../data/courses.json');
const answerKey = new Map(courses.flatMap((c) => c.quizzes).map((q) => [q.id, q.questions]));

for (const summary of course.quizzes) {
  const quiz = await call('GET', `/quizzes/${summary.id}`);
  const answers = Object.fromEntries(answerKey.get(quiz.id).map((q) => [q.id, q.answer]));
  const submission = await call('POST', `/quizzes/${quiz.id}/submissions`, { answers });
  console.log(`quiz ${quiz.id}: score ${submission.score}, passed ${submission.passed}`);
  let claim = await call('POST', '/rewards/claims', { submissionId: submission.submissionId });
  for (let i = 0; i < 60 && ['requested', 'submitted'].includes(claim.status); i += 1) {
    await new Promise((r) => setTimeout(r, 500));
    claim = await call('GET', `/rewards/claims/${claim.claimId}`);
  }
  console.log(`  reward ${claim.amount} XLM: ${claim.status} (tx ${claim.txHash}, operation ${claim.operationIndex})`);
}

let credential = await call('POST', '/credentials', { courseId: course.id });
for (let i = 0; i < 60 && ['requested', 'submitted'].includes(credential.status); i += 1) {
  await new Promise((r) => setTimeout(r, 500));
  credential = await call('GET', `/credentials/${credential.credentialId}`);
}
console.log(`credential ${course.id}: ${credential.status} (tx ${credential.txHash})`);
if (credential.status !== 'confirmed') process.exit(1);
