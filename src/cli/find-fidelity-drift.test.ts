import { describe, expect, it } from 'vitest';
import { findFidelityDrift, type FidelityExpectation } from './find-fidelity-drift.ts';

const IDENTITY = { type: 'text', text: "You are a Claude agent, built on Anthropic's Claude Agent SDK.", cache_control: { type: 'ephemeral' } };
const SCHEMA = { type: 'object', properties: { value: { type: 'string' } } };
const EXPECTED: FidelityExpectation = {
  system: ['You are the probe.'],
  messages: [
    { role: 'user', content: 'q1' },
    { role: 'assistant', content: [{ type: 'text', text: 'a1' }] },
    { role: 'user', content: 'q2' },
  ],
  tools: [{ name: 'mcp__t__probe_tool', description: 'A tool.', inputSchema: SCHEMA }],
  hostDetails: ['/tmp/claude-cli-proxy-0/work', 'build-host-7', '6.18.44-fc-v669'],
};

/** The request body as the CLI sends it with the proxy's flags, with the additions given. */
function body(firstUserAdditions: object[] = [], lastUserAdditions: object[] = []) {
  return {
    model: 'claude-sonnet-4-6',
    system: [IDENTITY, { type: 'text', text: 'You are the probe.', cache_control: { type: 'ephemeral' } }],
    messages: [
      { role: 'user', content: [...firstUserAdditions, { type: 'text', text: 'q1' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'a1' }] },
      { role: 'user', content: [...lastUserAdditions, { type: 'text', text: 'q2', cache_control: { type: 'ephemeral' } }] },
    ],
    tools: [{ name: 'mcp__t__probe_tool', description: 'A tool.', input_schema: SCHEMA }],
    metadata: { user_id: '{"device_id":"d","session_id":"s"}' },
  };
}

const DATE_2_1_197 = {
  type: 'text',
  text: "<system-reminder>\nAs you answer the user's questions, you can use the following context:\n# currentDate\nToday's date is 2026-12-01.\n\n      IMPORTANT: this context may or may not be relevant to your tasks. You should not respond to this context unless it is highly relevant to your task.\n</system-reminder>\n\n",
};
const ENVIRONMENT_2_1_332 = {
  type: 'text',
  text: '<system-reminder>\n# Environment\nYou have been invoked in the following environment: \n - Primary working directory: /tmp/claude-cli-proxy-0/work\n - Is a git repository: false\n - Platform: linux\n - Shell: bash\n - OS Version: Linux 6.18.44-fc-v669\n</system-reminder>',
};
const MODEL_2_1_332 = {
  type: 'text',
  text: '<system-reminder>\nYou are powered by the model named Sonnet 4.6. The exact model ID is claude-sonnet-4-6.\n</system-reminder>',
};
const DATE_2_1_332 = { type: 'text', text: "<system-reminder>\nToday's date is 2026-12-01.\n</system-reminder>\n" };

describe('findFidelityDrift', () => {
  it("finds nothing in a request that carries exactly the client's turn (2.1.332 with the context filter)", () => {
    expect(findFidelityDrift(body(), EXPECTED)).toEqual([]);
  });

  it('accepts the documented date reminder of 2.1.197 in the first user message', () => {
    expect(findFidelityDrift(body([DATE_2_1_197]), EXPECTED)).toEqual([]);
  });

  it('reports the host environment, the model reminder and the moved date reminder of 2.1.332 without the filter', () => {
    const drift = findFidelityDrift(body([ENVIRONMENT_2_1_332, MODEL_2_1_332], [DATE_2_1_332]), EXPECTED);
    expect(drift.some((line) => line.startsWith('messages.0.content:') && line.includes('# Environment'))).toBe(true);
    expect(drift.some((line) => line.startsWith('messages.2.content:') && line.includes("Today's date"))).toBe(true);
    expect(drift).toContain('a host detail reaches the model: "/tmp/claude-cli-proxy-0/work"');
    expect(drift).toContain('a host detail reaches the model: "6.18.44-fc-v669"');
  });

  it('reports an extra message, a changed system prompt and changed tools', () => {
    const withSystemMessage = {
      ...body(),
      messages: [...body().messages.slice(0, 1), { role: 'system', content: '# Environment ...' }, ...body().messages.slice(1)],
    };
    expect(findFidelityDrift(withSystemMessage, EXPECTED).join('\n')).toContain(
      'messages: expected 3 (user, assistant, user), got 4 (user, system, assistant, user)',
    );
    const appended = { ...body(), system: [IDENTITY, { type: 'text', text: 'You are the probe.' }, { type: 'text', text: 'INJECTED' }] };
    expect(findFidelityDrift(appended, EXPECTED)[0]).toContain('system prompt');
    const renamed = { ...body(), tools: [{ name: 'Bash', description: 'x', input_schema: SCHEMA }] };
    expect(findFidelityDrift(renamed, EXPECTED)[0]).toContain('tools');
  });
});
