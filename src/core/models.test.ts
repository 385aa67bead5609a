import { describe, expect, it } from 'vitest';
import { ProxyError } from '../errors.ts';
import { findModel, MODEL_CATALOGUE, resolveModel } from './models.ts';

describe('resolveModel', () => {
  it.each(['opus', 'sonnet', 'haiku', 'fable', 'best', 'opusplan', 'default', 'opus[1m]', 'sonnet[1m]'])('passes the CLI alias %s to the CLI', (alias) => {
    expect(resolveModel(alias)).toBe(alias);
  });

  it("takes the original claude-code-proxy's names: a family with a version but without claude-, and the openai/ prefix", () => {
    expect(resolveModel('sonnet-4-7')).toBe('claude-sonnet-4-7');
    expect(resolveModel('opus-5')).toBe('claude-opus-5');
    expect(resolveModel('haiku-5')).toBe('claude-haiku-5');
    expect(resolveModel('openai/sonnet')).toBe('sonnet');
    expect(resolveModel('openai/claude-sonnet-4-6')).toBe('claude-sonnet-4-6');
    expect(() => resolveModel('openai/gpt-4o')).toThrow('unknown model');
    expect(() => resolveModel('sonnet-')).toThrow('unknown model');
  });

  it('lower-cases aliases and trims spaces', () => {
    expect(resolveModel(' Sonnet ')).toBe('sonnet');
    expect(resolveModel('OPUS[1M]')).toBe('opus[1m]');
  });

  it.each(['claude-sonnet-4-6', 'claude-3-5-sonnet-20241022', 'claude-haiku-4-5-20251001', 'claude-opus-4-1', 'claude-sonnet-5[1m]'])(
    'passes the full id %s through unchanged',
    (id) => {
      expect(resolveModel(id)).toBe(id);
    },
  );

  it.each([
    ['claude-code-cli/sonnet', 'sonnet'],
    ['anthropic/claude-sonnet-4-6', 'claude-sonnet-4-6'],
    ['Anthropic/opus', 'opus'],
    ['claude-code-cli/claude-haiku-4-5-20251001', 'claude-haiku-4-5-20251001'],
  ])('strips the provider prefix of %s', (requested, expected) => {
    expect(resolveModel(requested)).toBe(expected);
  });

  it.each(['gpt-4o', 'claude-foo-1', '', 'claude-', 'sonnet-x', 'claude-sonnet 4', 'openai/gpt-4o'])('rejects %j with a 400 on model', (requested) => {
    let caught: unknown;
    try {
      resolveModel(requested);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ProxyError);
    expect(caught).toMatchObject({ kind: 'invalid_request', status: 400, param: 'model' });
    expect((caught as ProxyError).message).toContain(`unknown model "${requested}"`);
  });
});

describe('resolveModel bounds (the name goes on the CLI command line)', () => {
  it.each([`claude-${'sonnet-'.repeat(20_000)}4`, 'claude-sonnet-\u212a', 'claude-sonnet-4-6\n--help'])(
    'rejects %#: too long, not ASCII or not one word',
    (requested) => {
      expect(() => resolveModel(requested)).toThrow(ProxyError);
    },
  );

  it('quotes at most 100 characters of a rejected name', () => {
    let message = '';
    try {
      resolveModel(`claude-${'x'.repeat(1_000_000)}`);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.length).toBeLessThan(300);
  });
});

describe('MODEL_CATALOGUE', () => {
  it('lists only names resolveModel accepts, with unique ids', () => {
    for (const entry of MODEL_CATALOGUE) expect(() => resolveModel(entry.id)).not.toThrow();
    expect(new Set(MODEL_CATALOGUE.map((entry) => entry.id)).size).toBe(MODEL_CATALOGUE.length);
  });

  it('finds an entry by id', () => {
    expect(findModel('sonnet')).toEqual({ id: 'sonnet', displayName: 'Sonnet (latest, via the CLI alias)', resolvesTo: 'claude-sonnet-5-5' });
    expect(findModel('gpt-4o')).toBeUndefined();
  });
});
