/**
 * @module
 * Subscription accounts (issue 17): each is a folder under ACCOUNTS_DIR named after the account, holding either a
 * long-lived token from `claude setup-token` (`token`, mode 0600) or a CLI configuration directory of its own
 * (`config/`, the CLI's CLAUDE_CONFIG_DIR) that `claude auth login` logged in. An account is the environment its CLI
 * processes get on top of the proxy's: which login they use, nothing else. Credentials stay in these files: never on
 * a command line, in a log line or in /health.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Account {
  name: string;
  kind: 'token' | 'login';
  /**
   * What the account's CLI processes get on top of the proxy's environment. `undefined` removes a variable: an API
   * key in the operator's environment would otherwise win over the account's subscription login.
   */
  environment: Readonly<Record<string, string | undefined>>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const TOKEN_FILE = 'token';
const CONFIG_DIRECTORY = 'config';

export class AccountError extends Error {
  override name = 'AccountError';
}

export function checkAccountName(name: string): string {
  if (!NAME.test(name)) throw new AccountError(`account name "${name}": use letters, digits, "_", "." or "-" (at most 64, starting with a letter or digit)`);
  return name;
}

/** Every account under `directory`, by name; a folder with neither a token nor a configuration is skipped. */
export function loadAccounts(directory: string): Account[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && NAME.test(entry.name))
    .map((entry) => accountAt(directory, entry.name))
    .filter((account): account is Account => account != null)
    .sort((a, b) => a.name.localeCompare(b.name));
}

function accountAt(directory: string, name: string): Account | undefined {
  const folder = join(directory, name);
  const tokenFile = join(folder, TOKEN_FILE);
  if (existsSync(tokenFile)) {
    // Group or others able to read it: refuse, as ssh does for a private key.
    if ((statSync(tokenFile).mode & 0o077) !== 0) throw new AccountError(`${tokenFile} can be read by other users: chmod 600 it`);
    const token = readFileSync(tokenFile, 'utf8').trim();
    if (token === '') return undefined;
    return { name, kind: 'token', environment: { CLAUDE_CODE_OAUTH_TOKEN: token, ANTHROPIC_API_KEY: undefined, ANTHROPIC_AUTH_TOKEN: undefined } };
  }
  const config = join(folder, CONFIG_DIRECTORY);
  if (existsSync(config) && statSync(config).isDirectory()) {
    return {
      name,
      kind: 'login',
      environment: { CLAUDE_CONFIG_DIR: config, CLAUDE_CODE_OAUTH_TOKEN: undefined, ANTHROPIC_API_KEY: undefined, ANTHROPIC_AUTH_TOKEN: undefined },
    };
  }
  return undefined;
}

/** Stores a token account, private to this user. Replaces the account of that name if there is one. */
export function addTokenAccount(directory: string, name: string, token: string): Account {
  const trimmed = token.trim();
  if (!/^\S+$/.test(trimmed)) throw new AccountError('the token is empty or has blanks in it: paste the whole `claude setup-token` output line');
  const folder = accountFolder(directory, checkAccountName(name));
  rmSync(join(folder, CONFIG_DIRECTORY), { recursive: true, force: true });
  writeFileSync(join(folder, TOKEN_FILE), `${trimmed}\n`, { mode: 0o600 });
  chmodSync(join(folder, TOKEN_FILE), 0o600);
  return accountAt(directory, name)!;
}

/** Makes the CLI configuration directory `claude auth login` logs in, and returns the account it makes. */
export function addLoginAccount(directory: string, name: string): Account {
  const folder = accountFolder(directory, checkAccountName(name));
  rmSync(join(folder, TOKEN_FILE), { force: true });
  mkdirSync(join(folder, CONFIG_DIRECTORY), { recursive: true, mode: 0o700 });
  return accountAt(directory, name)!;
}

export function removeAccount(directory: string, name: string): boolean {
  const folder = join(directory, checkAccountName(name));
  if (!existsSync(folder)) return false;
  rmSync(folder, { recursive: true, force: true });
  return true;
}

function accountFolder(directory: string, name: string): string {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const folder = join(directory, name);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  return folder;
}
