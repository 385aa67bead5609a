/**
 * @module
 * `claude-proxy doctor`: checks the CLI the proxy would run (which one and why, its version against the tested
 * range, its login, and the fidelity self-check), prints what it found and what to do, and exits 0 when all is well,
 * 1 otherwise. It starts no server.
 */
import { checkCliFidelity } from './cli/check-cli-fidelity.ts';
import { ensurePrivateWorkDirectory, installContextFilterPlugin } from './cli/private-work-directory.ts';
import { probeCli } from './cli/probe-cli.ts';
import { describeRangeStatus, rangeStatus } from './cli/tested-cli-versions.ts';
import type { Config } from './config.ts';

const SOURCES: Record<Config['claudePathSource'], string> = {
  CLAUDE_PATH: 'set by CLAUDE_PATH',
  bundled: 'the CLI installed with the proxy (tested version)',
  PATH: '`claude` on PATH (no bundled CLI installed)',
  'not found': 'not found',
};

export async function runDoctor(config: Config, environment: Record<string, string | undefined>, print: (line: string) => void): Promise<number> {
  const problems: string[] = [];
  print('claude-cli-proxy doctor');
  print(`  CLI:       ${config.claudePath} (${SOURCES[config.claudePathSource]})`);
  const probe = await probeCli(config.claudePath, environment);
  if (probe.error != null) {
    print(`  version:   cannot run it: ${probe.error}`);
    print('  To do:     install the CLI (npm install in the proxy folder, or npm install -g @anthropic-ai/claude-code), or set CLAUDE_PATH.');
    return 1;
  }
  const range = rangeStatus(probe.version);
  print(`  version:   ${describeRangeStatus(probe.version)}`);
  if (range === 'older' || range === 'unknown') problems.push('the CLI is outside the tested range');
  if (probe.loggedIn === true) print(`  login:     logged in (${probe.authMethod ?? 'unknown method'})`);
  else if (probe.loggedIn === false) {
    print('  login:     NOT logged in: run `claude auth login` (or `npx claude auth login` in the proxy folder), as this user');
    problems.push('the CLI is not logged in');
  } else print(`  login:     could not be read (${probe.inconclusive ?? 'no answer'})`);
  print('  fidelity:  running the CLI once against a loopback recorder ...');
  const fidelity = await checkCliFidelity({
    claudePath: config.claudePath,
    environment,
    cwd: config.cwd ?? ensurePrivateWorkDirectory(),
    pluginDirectory: installContextFilterPlugin(),
  });
  if (fidelity.status === 'ok') print("  fidelity:  ok: the model sees the client's system prompt, conversation and tools, and nothing of this host");
  else {
    print(
      fidelity.status === 'drift'
        ? '  fidelity:  DRIFT: with this CLI the model would see more than the client sent:'
        : '  fidelity:  the check could not run:',
    );
    for (const difference of fidelity.differences) print(`             - ${difference}`);
    print('  To do:     use a tested CLI (unset CLAUDE_PATH to use the bundled one, or set it to one in the tested range), and report the drift');
    problems.push(fidelity.status === 'drift' ? 'the CLI adds to what the model sees' : 'the fidelity check failed');
  }
  print(problems.length === 0 ? '  result:    all good' : `  result:    ${problems.length} problem${problems.length > 1 ? 's' : ''}: ${problems.join('; ')}`);
  return problems.length === 0 ? 0 : 1;
}
