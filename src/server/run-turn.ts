/**
 * @module
 * What every API route does with its converted request: complete it from the proxy's settings (the `x-mcp-servers`
 * header, the request defaults, the opt-in OpenClaw adaptations), report the ignored fields, start the turn (killed
 * when the client goes away) with its quota headers, and either stream its events or fold them into the final message.
 */
import type { Message, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { streamTurnEvents } from '../cli/stream-turn-events.ts';
import type { TurnReport } from '../cli/turn-report.ts';
import { adaptTurnForOpenClaw } from '../core/adapt-turn-for-openclaw.ts';
import { applyDefaultSettings, bodyChoosesThinking } from '../core/apply-default-settings.ts';
import { parseMcpServerNames, resolveMcpServers } from '../core/mcp-servers.ts';
import type { TurnRequest } from '../core/turn-request.ts';
import { accumulateMessage, createMessageAccumulator, finishMessage } from '../protocols/shared/accumulate-message.ts';
import { abortOnDisconnect } from './abort-on-disconnect.ts';
import { formatIgnoredHeader } from './format-header-value.ts';
import type { AppDependencies } from './create-app.ts';
import { errorShapeOfRequest } from './protocol-of-request.ts';
import { turnEnded, turnStarted } from './observe-requests.ts';
import { turnOnAccounts } from './turn-on-accounts.ts';
import type { Account } from '../accounts/account-registry.ts';
import { quotaOfTurn } from './quota-of-turn.ts';

export interface RunningTurn {
  events: AsyncIterable<RawMessageStreamEvent>;
  /** True once the turn has a CLI slot: keep-alives wait for it, so a queued request can still get a real 429. */
  started: () => boolean;
}

export function runTurn(
  request: FastifyRequest,
  reply: FastifyReply,
  dependencies: AppDependencies,
  turn: TurnRequest,
  ignored: readonly string[],
): RunningTurn {
  const completed = completeTurn(turn, request, dependencies.config);
  if (ignored.length > 0) void reply.header('x-proxy-ignored', formatIgnoredHeader(ignored));
  let started = false;
  // The client going away stops the turn silently; the shutdown's grace period ending stops it with its error.
  const signal = AbortSignal.any([abortOnDisconnect(reply), request.server.shutdownSignal]);
  // After every protocol's translation, so the opt-in OpenClaw settings apply alike to all three APIs.
  const adapted = adaptTurnForOpenClaw(completed, {
    toolMapping: dependencies.config.openClawToolMapping,
    promptFilter: dependencies.config.openClawPromptFilter,
  });
  const quota = quotaOfTurn(reply, request.server.latestQuota, {
    now: dependencies.now,
    anthropic: errorShapeOfRequest(request) === 'anthropic',
    authMethod: dependencies.cliHealth.state.authMethod,
    // Accounts are subscription logins: their quota line is read even when the CLI's own login is something else.
    subscription: request.server.accountRouter.enabled,
  });
  const router = request.server.accountRouter;
  // Each attempt (one, or two on accounts) is a turn of its own: the request's record waits for its report.
  const start = (account: Account | undefined) => {
    turnStarted(request);
    if (account != null) quota.startOn(router.quotaOf(account.name));
    return streamTurnEvents(dependencies.runner, adapted.turn, {
      signal,
      log: request.log,
      now: dependencies.now,
      caller: request.caller,
      environment: account?.environment,
      onStarted: () => (started = true),
      onReport: (report) => {
        reportToHealth(report, dependencies.cliHealth);
        try {
          turnEnded(request, { ...report, account: account?.name }, request.server.requestObserver, () => reply.statusCode);
        } catch (error) {
          // Metrics, usage and logs never decide how a turn ends.
          request.log.error({ err: error }, 'recording the turn failed');
        }
      },
      onQuota: (info) => {
        if (account != null) router.recordQuota(account.name, info);
        quota.record(info);
      },
      awaitQuota: quota.awaited,
    });
  };
  const events = router.enabled ? turnOnAccounts(router, adapted.turn, request.caller, start, request.log) : startWhenRead(() => start(undefined));
  return { events: quota.guard(mapEvents(events, adapted.toClient)), started: () => started };
}

/**
 * The request with what the proxy's settings add: the servers of `x-mcp-servers: a, b` (the original
 * claude-code-proxy's header, on every API) and the defaults for what the client left open. Its MCP servers are
 * checked here, before anything is sent: an unknown one is the client's 400, never a failed stream.
 */
function completeTurn(turn: TurnRequest, request: FastifyRequest, config: AppDependencies['config']): TurnRequest {
  const names = parseMcpServerNames(request.headers['x-mcp-servers']);
  const withServers = names.length > 0 ? { ...turn, mcpServers: [...turn.mcpServers, ...names.map((name) => ({ name }))] } : turn;
  const completed = applyDefaultSettings(
    withServers,
    { model: config.defaultModel, effort: config.defaultEffort, thinking: config.enableThinking },
    { choseThinking: bodyChoosesThinking(request.body) },
  );
  resolveMcpServers(completed.mcpServers, config.mcpServers, config.mcpAllowedUrls);
  return completed;
}

/** The turn starts when its events are first read: only then is a turn report sure to come. */
async function* startWhenRead(start: () => AsyncIterable<RawMessageStreamEvent>): AsyncGenerator<RawMessageStreamEvent> {
  yield* start();
}

async function* mapEvents(
  events: AsyncIterable<RawMessageStreamEvent>,
  map: (event: RawMessageStreamEvent) => RawMessageStreamEvent,
): AsyncGenerator<RawMessageStreamEvent> {
  for await (const event of events) yield map(event);
}

/** A turn whose answer started proves the CLI works; one refused as not logged in (or not started) proves it does not. */
function reportToHealth(report: TurnReport, health: AppDependencies['cliHealth']): void {
  if (report.error?.cliCondition != null) health.recordTurn(report.error.cliCondition);
  else if (report.ttftMs != null || report.usage != null) health.recordTurn('served');
}

/** The whole turn as one Message (non-streaming responses). */
export async function collectMessage(events: AsyncIterable<RawMessageStreamEvent>): Promise<Message> {
  const accumulator = createMessageAccumulator();
  for await (const event of events) accumulateMessage(accumulator, event);
  return finishMessage(accumulator);
}
