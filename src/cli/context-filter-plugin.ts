/**
 * @module
 * PURE. A Claude Code plugin the proxy gives every CLI process (`--plugin-dir`), so that the model sees the client's
 * conversation and nothing of the host. From CLI 2.1.2xx on, the CLI puts three reminders into the conversation that
 * no flag or setting removes with a subscription login: the host's environment (working directory, platform, shell,
 * OS version), the model's own name, and the date (measured on 2.1.332; `CLAUDE_CODE_SIMPLE` removes them too but
 * logs OAuth users out). The plugin's hooks module drops them where the CLI builds them. The CLI loads it on 2.1.197
 * as well, where it changes nothing. docs/cli-versions.md has the measurements; the fidelity self-check
 * (check-cli-fidelity.ts) notices if a CLI stops honouring it.
 */

export const CONTEXT_FILTER_PLUGIN_NAME = 'claude-cli-proxy-context-filter';

/** The plugin's files, by path relative to its directory. */
export const CONTEXT_FILTER_PLUGIN_FILES: Readonly<Record<string, string>> = {
  '.claude-plugin/plugin.json': `${JSON.stringify({ name: CONTEXT_FILTER_PLUGIN_NAME, version: '1.0.0', description: 'claude-cli-proxy: keeps host details and CLI reminders out of the conversation' }, null, 2)}\n`,
  'hooks/hooks.json': `${JSON.stringify({ modules: ['./context-filter.mjs'] }, null, 2)}\n`,
  'hooks/context-filter.mjs': `// claude-cli-proxy: the model sees what the client sent. The CLI would add the host's environment (working
// directory, platform, shell, OS version), the model's name and the date; a null text leaves each one out.
export function register(on) {
  on('prompt.section', { name: 'env_info_model' }, async (context, value, next) => ({ ...(await next(value)), text: null }));
  for (const type of ['environment', 'model', 'date']) {
    on('prompt.attachment', { type }, async (context, value, next) => ({ ...(await next(value)), text: null }));
  }
}
`,
};
