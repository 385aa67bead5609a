/**
 * @module
 * GET /v1/models and /v1/models/{id}. One path, two shapes: Anthropic's (data/has_more/first_id/last_id) when the
 * request carries anthropic-version, OpenAI's list otherwise (Open WebUI, LibreChat and IDE pickers call it).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findModel, MODEL_CATALOGUE, resolveModel, type ModelEntry } from '../../core/models.ts';
import { ProxyError } from '../../errors.ts';
import { wantsAnthropic } from '../protocol-of-request.ts';

/** The catalogue has no release dates from the CLI; a fixed date keeps the field well-formed. */
const CREATED_AT = '2026-01-01T00:00:00Z';
const CREATED = Math.floor(Date.parse(CREATED_AT) / 1000);

function anthropicModel(entry: ModelEntry) {
  return { type: 'model', id: entry.id, display_name: entry.displayName, created_at: CREATED_AT };
}

function openAIModel(entry: ModelEntry) {
  return { id: entry.id, object: 'model', created: CREATED, owned_by: 'anthropic' };
}

export function registerModelRoutes(app: FastifyInstance): void {
  app.get('/v1/models', listModels);
  app.get('/models', listModels);
  async function listModels(request: FastifyRequest<{ Querystring: { limit?: string; after_id?: string; before_id?: string } }>) {
    if (!wantsAnthropic(request)) return { object: 'list', data: MODEL_CATALOGUE.map(openAIModel) };
    const { limit, after_id: afterId, before_id: beforeId } = request.query;
    const size = Math.min(1000, Math.max(1, Number(limit ?? 20) || 20));
    let entries = [...MODEL_CATALOGUE];
    if (afterId != null) entries = entries.slice(entries.findIndex((entry) => entry.id === afterId) + 1);
    if (beforeId != null) {
      const end = entries.findIndex((entry) => entry.id === beforeId);
      entries = entries.slice(Math.max(0, (end < 0 ? entries.length : end) - size), end < 0 ? entries.length : end);
    }
    const page = entries.slice(0, size);
    return {
      data: page.map(anthropicModel),
      has_more: entries.length > page.length,
      first_id: page[0]?.id ?? null,
      last_id: page.at(-1)?.id ?? null,
    };
  }

  app.get('/v1/models/:id', async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const { id } = request.params;
    let entry = findModel(id);
    if (entry == null) {
      try {
        const resolved = resolveModel(id);
        entry = { id, displayName: id, resolvesTo: resolved };
      } catch {
        throw new ProxyError('not_found', `model: ${id} not found`);
      }
    }
    return wantsAnthropic(request) ? anthropicModel(entry) : openAIModel(entry);
  });
}
