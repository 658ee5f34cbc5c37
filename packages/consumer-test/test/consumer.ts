import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..', '..');
/** The public packages, by directory under packages/. */
export const PUBLIC = ['metrics', 'audit', 'tracing', 'stellar-instrumented', 'stellar-sandbox'] as const;
export const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

export function manifest(pkg: string): { name: string; version: string } {
  return JSON.parse(readFileSync(join(ROOT, 'packages', pkg, 'package.json'), 'utf8'));
}

/** npm as a user runs it, on the Node running this test (the repo's pinned one). */
export function npmCli(): string[] {
  const found = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'npm'));
  for (const candidate of found) {
    try {
      return [realpathSync(candidate)];
    } catch {}
  }
  throw new Error('npm not found on PATH');
}

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; `check` throws with its output when it fails. */
export function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Ran {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? String(result.error ?? '') };
}

export function check(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): string {
  const result = run(command, args, options);
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} (in ${options.cwd}) exited ${result.status}\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/** Runs a command without blocking the event loop (the test serves an OTLP receiver meanwhile). */
export function runAsync(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<Ran> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

/** The last line of stdout, parsed as JSON (each example prints its findings last). */
export function lastJson(ran: Ran): Record<string, unknown> {
  const lines = ran.stdout.trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1] ?? '');
  } catch {
    throw new Error(`no JSON result (exit ${ran.status})\nstdout: ${ran.stdout}\nstderr: ${ran.stderr}`);
  }
}

/** The example as an ES module: TypeScript types stripped by Node's own stripper. */
export function toEsm(source: string): string {
  return stripTypeScriptTypes(source);
}

/**
 * The example as a CommonJS script: its `import` lines become `require` calls (a default import takes
 * `exports.default` of a transpiled module, the module itself otherwise) and the body runs in an async
 * function, since CommonJS has no top-level await.
 */
export function toCjs(source: string): string {
  const js = stripTypeScriptTypes(source);
  const requires: string[] = [];
  let index = 0;
  const body = js.replace(/^import\s+(.+?)\s+from\s+'([^']+)';$/gm, (_line, clause: string, specifier: string) => {
    const module = `__m${index++}`;
    requires.push(`const ${module} = require(${JSON.stringify(specifier)});`);
    const namespace = /^\*\s+as\s+(\w+)$/.exec(clause);
    if (namespace) {
      requires.push(`const ${namespace[1]} = ${module};`);
      return '';
    }
    const [, defaultName, named] = /^(?:(\w+))?\s*,?\s*(?:\{([^}]*)\})?$/.exec(clause) ?? [];
    if (defaultName) requires.push(`const ${defaultName} = ${module}.__esModule ? ${module}.default : ${module};`);
    if (named) {
      const bindings = named
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)
        .map((part) => part.replace(/\s+as\s+/, ': '));
      requires.push(`const { ${bindings.join(', ')} } = ${module};`);
    }
    return '';
  });
  return `'use strict';\n${requires.join('\n')}\n(async () => {\n${body}\n})().catch((error) => {\n  console.error(error);\n  process.exitCode = 1;\n});\n`;
}

/** ```ts blocks of a README, each with the context declared in a `<!-- ts-context: … -->` line right above its fence. */
export function readmeSnippets(readme: string): { line: number; code: string }[] {
  const snippets: { line: number; code: string }[] = [];
  const lines = readme.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```ts') continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i] as string);
    const context = /^<!--\s*ts-context:(.*)-->$/.exec(lines[start - 1] ?? '')?.[1]?.trim() ?? '';
    snippets.push({ line: start + 1, code: `${context}\n${body.join('\n')}\nexport {};\n` });
  }
  return snippets;
}

export const dirOf = dirname;
