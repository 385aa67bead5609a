import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AccountError, addLoginAccount, addTokenAccount, loadAccounts, removeAccount } from './account-registry.ts';

let directory: string;
afterEach(() => rmSync(directory, { recursive: true, force: true }));
const fresh = () => (directory = join(mkdtempSync(join(tmpdir(), 'accounts-test-')), 'accounts'));

describe('the account registry', () => {
  it('keeps a token private and gives its processes the token instead of any API key', () => {
    fresh();
    addTokenAccount(directory, 'work', '  sk-ant-oat01-work\n');
    const tokenFile = join(directory, 'work', 'token');
    expect(readFileSync(tokenFile, 'utf8')).toBe('sk-ant-oat01-work\n');
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(statSync(directory).mode & 0o777).toBe(0o700);
    expect(loadAccounts(directory)).toEqual([
      {
        name: 'work',
        kind: 'token',
        environment: { CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-work', ANTHROPIC_API_KEY: undefined, ANTHROPIC_AUTH_TOKEN: undefined },
      },
    ]);
  });

  it("gives a login account the CLI's own configuration directory, and lists accounts by name", () => {
    fresh();
    addLoginAccount(directory, 'personal');
    addTokenAccount(directory, 'alpha', 'sk-ant-oat01-a');
    const accounts = loadAccounts(directory);
    expect(accounts.map((account) => [account.name, account.kind])).toEqual([
      ['alpha', 'token'],
      ['personal', 'login'],
    ]);
    expect(accounts[1]!.environment).toMatchObject({ CLAUDE_CONFIG_DIR: join(directory, 'personal', 'config'), CLAUDE_CODE_OAUTH_TOKEN: undefined });
    // Adding a token to it replaces its login.
    addTokenAccount(directory, 'personal', 'sk-ant-oat01-p');
    expect(loadAccounts(directory).find((account) => account.name === 'personal')?.kind).toBe('token');
  });

  it('refuses a token file others can read, bad names and blank tokens; removes an account', () => {
    fresh();
    expect(loadAccounts(directory)).toEqual([]);
    expect(() => addTokenAccount(directory, '../escape', 'x')).toThrow(AccountError);
    expect(() => addTokenAccount(directory, 'ok', 'two words')).toThrow('has blanks');
    mkdirSync(join(directory, 'open'), { recursive: true });
    writeFileSync(join(directory, 'open', 'token'), 'sk-ant-oat01-o');
    chmodSync(join(directory, 'open', 'token'), 0o644);
    expect(() => loadAccounts(directory)).toThrow('can be read by other users');
    expect(removeAccount(directory, 'open')).toBe(true);
    expect(removeAccount(directory, 'open')).toBe(false);
    expect(loadAccounts(directory)).toEqual([]);
  });
});
