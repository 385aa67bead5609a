/**
 * @module
 * PURE. The opt-in OpenClaw adaptations of a turn, applied after any protocol's translation and before the CLI runs:
 * the tool-name mapping (map-openclaw-tool-names.ts) and the system-prompt filter (filter-openclaw-system-prompt.ts).
 * Both change what the model sees, so both are off unless the operator turns them on. Returns the turn for the model
 * and the function that puts the answer's events back in the client's terms.
 */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { filterOpenClawSystemPrompt } from './filter-openclaw-system-prompt.ts';
import { mapToolCallToClient, mapToolNamesToModel, planToolNameMapping } from './map-openclaw-tool-names.ts';
import type { TurnRequest } from './turn-request.ts';

export interface OpenClawSettings {
  toolMapping: boolean;
  promptFilter: boolean;
}

export interface AdaptedTurn {
  turn: TurnRequest;
  /** Each event of the answer, for the client (the identity when nothing was renamed). */
  toClient: (event: RawMessageStreamEvent) => RawMessageStreamEvent;
}

export function adaptTurnForOpenClaw(turn: TurnRequest, settings: OpenClawSettings): AdaptedTurn {
  let adapted = turn;
  let toClient = (event: RawMessageStreamEvent): RawMessageStreamEvent => event;
  if (settings.promptFilter) adapted = { ...adapted, system: filterOpenClawSystemPrompt(adapted.system) };
  if (settings.toolMapping) {
    const mapping = planToolNameMapping(adapted);
    adapted = mapToolNamesToModel(adapted, mapping);
    toClient = (event) => mapToolCallToClient(event, mapping);
  }
  return { turn: adapted, toClient };
}
