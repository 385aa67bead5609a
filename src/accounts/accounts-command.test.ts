import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bundledClaudePath, hermeticEnvironment } from '../../test/support/start-test-proxy.ts';
import { AccountRouter } from '../server/account-router.ts';
import { startInProcessProxy } from '../../test/support/start-in-process-proxy.ts';
import { loadAccounts } from './account-registry.ts';
import { runAccountsCommand, type AccountsCommandContext } from './accounts-command.ts';

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

function context(stdin = ''): AccountsCommandContext & { lines: string[] } {
  root = mkdtempSync(join(tmpdir(), 'accounts-command-'));
  const lines: string[] = [];
  return {
    directory: join(root, 'accounts'),
    claudePath: bundledClaudePath(),
    // A HOME of its own: the developer's login must not show through.
    environment: { ...hermeticEnvironment(), HOME: join(root, 'home') },
    print: (line) => lines.push(line),
    readStdin: async () => stdin,
    lines,
  };
}

// Each case runs the real CLI's `auth status`: seconds on a loaded machine.
describe('claude-proxy accounts', { timeout: 30_000 }, () => {
  it('adds a token account from stdin, lists its login as the real CLI reports it, and removes it', async () => {
    const command = context('sk-ant-oat01-from-stdin\n');
    expect(await runAccountsCommand(['add', 'work', '--token-stdin'], command)).toBe(0);
    expect(command.lines.at(-1)).toMatch(/^work +token +logged in \(oauth_token\)$/);
    command.lines.length = 0;
    expect(await runAccountsCommand(['list'], command)).toBe(0);
    expect(command.lines).toEqual([expect.stringMatching(/^work +token +logged in \(oauth_token\)$/)]);
    expect(command.lines.join('\n')).not.toContain('sk-ant-oat01');
    expect(await runAccountsCommand(['remove', 'work'], command)).toBe(0);
    expect(await runAccountsCommand(['remove', 'work'], command)).toBe(1);
  });

  it('says a login account that never logged in is not logged in', async () => {
    const command = context();
    // `add` without a token runs the CLI's interactive login; the registry's own half is what `list` reads.
    const { addLoginAccount } = await import('./account-registry.ts');
    addLoginAccount(command.directory, 'personal');
    expect(await runAccountsCommand(['list'], command)).toBe(0);
    expect(command.lines).toEqual([expect.stringMatching(/^personal +login +NOT logged in$/)]);
  });

  it("adds each account's quota, rest and turns from the running proxy's /health", async () => {
    const command = context('sk-ant-oat01-work');
    expect(await runAccountsCommand(['add', 'work', '--token-stdin'], command)).toBe(0);
    const router = new AccountRouter(loadAccounts(command.directory), new Map(), Date.now);
    router.recordQuota('work', { status: 'allowed', rateLimitType: 'five_hour', utilization: 0.25, resetsAt: 2_000_000_000 });
    const proxy = await startInProcessProxy({ accounts: router });
    try {
      command.lines.length = 0;
      expect(await runAccountsCommand(['list'], { ...command, healthUrl: new URL('/health', proxy.url).href })).toBe(0);
      expect(command.lines).toEqual([
        expect.stringMatching(/^work +token +logged in \(oauth_token\) +25% used, resets 2033-05-18T03:33:20Z; serving; 0 turns$/),
      ]);
    } finally {
      await proxy.close();
    }
    command.lines.length = 0;
    expect(await runAccountsCommand(['list'], { ...command, healthUrl: 'http://127.0.0.1:9/health' })).toBe(0);
    expect(command.lines.at(-1)).toContain('no proxy answered');
  });

  it('explains its usage on a wrong call', async () => {
    const command = context();
    expect(await runAccountsCommand(['add'], command)).toBe(2);
    expect(await runAccountsCommand(['add', 'x', '--token', 'sk-on-argv'], command)).toBe(2);
    expect(await runAccountsCommand(['frobnicate'], command)).toBe(2);
    expect(command.lines.join('\n')).toContain('Usage: claude-proxy accounts add NAME');
  });
});
