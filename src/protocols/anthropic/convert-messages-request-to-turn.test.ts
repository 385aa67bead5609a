import { describe, expect, it } from 'vitest';
import { proxyErrorOf } from '../../../test/support/proxy-error-of.ts';
import type { ProxyError } from '../../errors.ts';
import { parseRequestBody } from '../parse-request-body.ts';
import { messagesRequestSchema } from './anthropic-wire.ts';
import { convertMessagesRequestToTurn } from './convert-messages-request-to-turn.ts';

function convert(body: Record<string, unknown>) {
  return convertMessagesRequestToTurn(parseRequestBody(messagesRequestSchema, { model: 'sonnet', messages: [{ role: 'user', content: 'hi' }], ...body }));
}

function convertError(body: Record<string, unknown>): ProxyError {
  return proxyErrorOf(() => convert(body));
}

describe('convertMessagesRequestToTurn', () => {
  it('converts a minimal request', () => {
    expect(convert({ max_tokens: 100 })).toEqual({
      turn: {
        model: 'sonnet',
        system: [],
        messages: [{ role: 'user', content: 'hi' }],
        maxTokens: 100,
        thinking: { type: 'disabled' },
        effort: undefined,
        stopSequences: [],
        outputSchema: undefined,
        tools: [],
        parallelToolCalls: true,
        mcpServers: [],
      },
      ignored: [],
    });
  });

  it('resolves the model name', () => {
    expect(convert({ model: 'anthropic/claude-sonnet-4-6' }).turn.model).toBe('claude-sonnet-4-6');
    expect(convertError({ model: 'gpt-4o' })).toMatchObject({ kind: 'invalid_request', status: 400, param: 'model' });
  });

  it.each([
    ['Be brief.', ['Be brief.']],
    ['', []],
    [
      [
        { type: 'text', text: 'One.' },
        { type: 'text', text: '' },
        { type: 'text', text: 'Two.', cache_control: { type: 'ephemeral' } },
      ],
      ['One.', 'Two.'],
    ],
  ])('turns system %j into the texts %j', (system, expected) => {
    expect(convert({ system }).turn.system).toEqual(expected);
  });

  it('keeps the messages as they are, content blocks included', () => {
    const messages = [
      { role: 'user', content: [{ type: 'text', text: 'q1' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 'x' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'found' }] },
    ];
    expect(convert({ messages }).turn.messages).toEqual(messages);
  });

  it.each([
    [undefined, { type: 'disabled' }],
    [
      { type: 'enabled', budget_tokens: 2048 },
      { type: 'enabled', budgetTokens: 2048 },
    ],
    [{ type: 'adaptive' }, { type: 'adaptive' }],
    [{ type: 'disabled' }, { type: 'disabled' }],
  ])('maps thinking %j to %j', (thinking, expected) => {
    expect(convert(thinking != null ? { thinking } : {}).turn.thinking).toEqual(expected);
  });

  it('passes output_config.effort and leaves max_tokens unset when absent', () => {
    const { turn } = convert({ output_config: { effort: 'high' } });
    expect(turn.effort).toBe('high');
    expect(turn.maxTokens).toBeUndefined();
  });

  it('lists the fields it cannot honour (x-proxy-ignored), zero values included', () => {
    const { ignored } = convert({
      temperature: 0,
      top_p: 0.9,
      top_k: 5,
      metadata: { user_id: 'u' },
      stop_sequences: ['END'],
      tools: [{ name: 'lookup', input_schema: { type: 'object' } }],
      tool_choice: { type: 'auto' },
      service_tier: 'auto',
    });
    expect(ignored).toEqual(['temperature', 'top_p', 'top_k', 'metadata', 'service_tier']);
  });

  it('turns custom tools into client tools with the schema unchanged; server tools are listed as ignored', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    const { turn, ignored } = convert({
      tools: [
        { name: 'get_weather', description: 'Weather', input_schema: schema },
        { type: 'custom', name: 'noop', input_schema: { type: 'object' } },
        { type: 'web_search_20250305', name: 'web_search' },
      ],
    });
    expect(turn.tools).toEqual([
      { name: 'get_weather', description: 'Weather', inputSchema: schema },
      { name: 'noop', description: undefined, inputSchema: { type: 'object' } },
    ]);
    expect(ignored).toEqual(['tools.2 (web_search_20250305)']);
    expect(turn.parallelToolCalls).toBe(true);
  });

  it('rejects bad tool definitions with a 400 naming the tool', () => {
    const error = (tools: unknown[]) => {
      try {
        convert({ tools });
      } catch (caught) {
        return caught as { param?: string; status?: number };
      }
      throw new Error('expected an error');
    };
    expect(error([{ input_schema: { type: 'object' } }])).toMatchObject({ status: 400, param: 'tools.0.name' });
    expect(error([{ name: 'a' }])).toMatchObject({ status: 400, param: 'tools.0.input_schema' });
    expect(
      error([
        { name: 'a', input_schema: { type: 'object' } },
        { name: 'a', input_schema: { type: 'object' } },
      ]),
    ).toMatchObject({ param: 'tools.1.name' });
    expect(error([{ name: 'has space', input_schema: { type: 'object' } }])).toMatchObject({ param: 'tools.0.name' });
    expect(error([{ name: 'a', input_schema: { type: 'string' } }])).toMatchObject({ param: 'tools.0' });
  });

  it('applies tool_choice as far as the CLI allows', () => {
    const tools = [
      { name: 'a', input_schema: { type: 'object' } },
      { name: 'b', input_schema: { type: 'object' } },
    ];
    expect(convert({ tools, tool_choice: { type: 'none' } }).turn.tools).toEqual([]);
    expect(convert({ tools, tool_choice: { type: 'none' } }).ignored).toEqual([]);
    const named = convert({ tools, tool_choice: { type: 'tool', name: 'b' } });
    expect(named.turn.tools.map((tool) => tool.name)).toEqual(['b']);
    expect(named.ignored).toEqual(['tool_choice']);
    const any = convert({ tools, tool_choice: { type: 'any', disable_parallel_tool_use: true } });
    expect(any.turn.tools).toHaveLength(2);
    expect(any.ignored).toEqual(['tool_choice']);
    expect(any.turn.parallelToolCalls).toBe(false);
  });

  it('takes the output schema from output_config.format or the beta output_format', () => {
    const schema = { type: 'object', properties: { n: { type: 'integer' } } };
    expect(convert({ output_config: { format: { type: 'json_schema', schema } } }).turn.outputSchema).toEqual(schema);
    expect(convert({ output_format: { type: 'json_schema', schema } }).turn.outputSchema).toEqual(schema);
    expect(convert({ output_config: { effort: 'low' } }).turn.outputSchema).toBeUndefined();
  });

  it('passes stop_sequences to the turn (the proxy applies them)', () => {
    expect(convert({ stop_sequences: ['END', '###'] }).turn.stopSequences).toEqual(['END', '###']);
  });

  it('does not list empty tools or stop_sequences, nor null fields', () => {
    expect(convert({ tools: [], stop_sequences: [], temperature: null }).ignored).toEqual([]);
  });

  it('rejects a system message inside the conversation, naming it', () => {
    const error = convertError({
      messages: [
        { role: 'user', content: 'a' },
        { role: 'system', content: 'b' },
        { role: 'user', content: 'c' },
      ],
    });
    expect(error).toMatchObject({ kind: 'invalid_request', status: 400, param: 'messages.1.role' });
    expect(error.message).toContain('messages.1.role: role "system" is not supported mid-conversation');
    // Claude Code falls back to a request without system turns on a 400 whose message says "not supported" and
    // matches /role .{0,2}system/i (read from CLI 2.1.332).
    expect(/role .{0,2}system/i.test(error.message) && error.message.includes('not supported')).toBe(true);
  });
});
