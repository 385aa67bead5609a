/**
 * @module
 * `claude-proxy accounts add NAME [--token-stdin]`, `accounts list`, `accounts remove NAME`: the subscription
 * accounts the proxy can serve from (account-registry.ts). `add` without a token runs the CLI's own login for the
 * account's configuration directory; with `--token-stdin` it stores a `claude setup-token` token read from stdin (never
 * from the command line, where other users could read it).
 */
import { spawn } from 'node:child_process';
import { probeCli } from '../cli/probe-cli.ts';
import { AccountError, addLoginAccount, addTokenAccount, loadAccounts, removeAccount, type Account } from './account-registry.ts';

export const ACCOUNTS_HELP = `Usage: claude-proxy accounts add NAME [--token-stdin]   a subscription login for the proxy to serve from:
                                                         without a token, runs \`claude auth login\` for it;
                                                         with --token-stdin, stores a \`claude setup-token\` token read from stdin
       claude-proxy accounts list                        each account's login state
       claude-proxy accounts remove NAME
Accounts live in ACCOUNTS_DIR (default ~/.claude-cli-proxy/accounts), one folder each, private to this user.`;

export interface AccountsCommandContext {
  directory: string;
  claudePath: string;
  environment: Record<string, string | undefined>;
  print: (line: string) => void;
  readStdin: () => Promise<string>;
  /** The running proxy's /health, for each account's quota and rest (only a running proxy knows them). */
  healthUrl?: string;
}

interface RunningAccount {
  name: string;
  quota: { utilization: number | null; resets_at: string | null; status: string } | null;
  cooling_until: string | null;
  turns: number;
}

export async function runAccountsCommand(argv: readonly string[], context: AccountsCommandContext): Promise<number> {
  const [verb, name, ...rest] = argv;
  try {
    switch (verb) {
      case 'add':
        if (name == null) return usage(context, 'accounts add needs a NAME');
        if (rest.length > 1 || (rest.length === 1 && rest[0] !== '--token-stdin')) return usage(context, `unknown option "${rest.join(' ')}"`);
        return rest[0] === '--token-stdin' ? await addToken(name, context) : await login(name, context);
      case 'list':
        return await list(context);
      case 'remove':
        if (name == null) return usage(context, 'accounts remove needs a NAME');
        if (!removeAccount(context.directory, name)) {
          context.print(`claude-proxy: no account "${name}" in ${context.directory}`);
          return 1;
        }
        context.print(`Removed the account "${name}".`);
        return 0;
      case undefined:
      case '--help':
      case 'help':
        context.print(ACCOUNTS_HELP);
        return verb == null ? 2 : 0;
      default:
        return usage(context, `unknown accounts command "${verb}"`);
    }
  } catch (error) {
    if (error instanceof AccountError) {
      context.print(`claude-proxy: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

function usage(context: AccountsCommandContext, problem: string): number {
  context.print(`claude-proxy: ${problem}\n\n${ACCOUNTS_HELP}`);
  return 2;
}

async function addToken(name: string, context: AccountsCommandContext): Promise<number> {
  const account = addTokenAccount(context.directory, name, await context.readStdin());
  return report(account, context);
}

/** The CLI's own login, in this terminal, for the account's own configuration directory. */
async function login(name: string, context: AccountsCommandContext): Promise<number> {
  const account = addLoginAccount(context.directory, name);
  context.print(`Logging in the account "${name}" with the CLI's own login (its configuration: ${account.environment.CLAUDE_CONFIG_DIR}) ...`);
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(context.claudePath, ['auth', 'login'], { env: environmentOf(account, context.environment), stdio: 'inherit' });
    child.on('error', () => resolve(null));
    child.on('exit', (exitCode) => resolve(exitCode));
  });
  if (code !== 0) context.print(`claude-proxy: \`claude auth login\` ended with ${String(code)}; run \`claude-proxy accounts add ${name}\` again`);
  return (await report(account, context)) === 0 && code === 0 ? 0 : 1;
}

async function list(context: AccountsCommandContext): Promise<number> {
  const accounts = loadAccounts(context.directory);
  if (accounts.length === 0) {
    context.print(`No accounts in ${context.directory}: the proxy serves from the CLI's own login. Add one: claude-proxy accounts add NAME`);
    return 0;
  }
  const [lines, running] = await Promise.all([Promise.all(accounts.map(async (account) => describe(account, context))), runningAccounts(context.healthUrl)]);
  lines.forEach((line, index) => {
    const live = running?.find((account) => account.name === accounts[index]!.name);
    context.print(live != null ? `${line}  ${describeLive(live)}` : line);
  });
  if (running == null && context.healthUrl != null) context.print(`(no proxy answered at ${context.healthUrl}: quotas are known to a running proxy only)`);
  return 0;
}

async function report(account: Account, context: AccountsCommandContext): Promise<number> {
  const line = await describe(account, context);
  context.print(line);
  return line.includes('logged in (') ? 0 : 1;
}

async function describe(account: Account, context: AccountsCommandContext): Promise<string> {
  const probe = await probeCli(context.claudePath, environmentOf(account, context.environment));
  const state =
    probe.loggedIn === true
      ? `logged in (${probe.authMethod ?? 'unknown method'})`
      : probe.loggedIn === false
        ? 'NOT logged in'
        : `login unknown (${probe.error ?? probe.inconclusive ?? 'no answer'})`;
  return `${account.name.padEnd(20)} ${account.kind === 'token' ? 'token' : 'login'}  ${state}`;
}

async function runningAccounts(url: string | undefined): Promise<RunningAccount[] | undefined> {
  if (url == null) return undefined;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1500) });
    const body = (await response.json()) as { accounts?: RunningAccount[] };
    return body.accounts;
  } catch {
    return undefined;
  }
}

function describeLive(account: RunningAccount): string {
  const quota =
    account.quota == null
      ? 'quota not reported yet'
      : `${account.quota.utilization != null ? `${Math.round(account.quota.utilization * 100)}% used` : account.quota.status}${account.quota.resets_at != null ? `, resets ${account.quota.resets_at}` : ''}`;
  return `${quota}; ${account.cooling_until != null ? `resting until ${account.cooling_until}` : 'serving'}; ${account.turns} turns`;
}

/** The proxy's environment with the account's login on top (an undefined value removes the variable). */
export function environmentOf(account: Account, environment: Record<string, string | undefined>): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...environment, ...account.environment })) if (value != null) merged[name] = value;
  return merged;
}
