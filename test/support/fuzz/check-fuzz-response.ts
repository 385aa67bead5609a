/**
 * @module
 * The fuzz oracle for one HTTP answer: never a 5xx (the in-process runner never fails; through the real CLI only
 * statuses mapped from the upstream may be), every error in the shape of the caller's protocol with a request id,
 * every stream made of well-formed frames that end as the protocol says.
 */

export type WireProtocol = 'anthropic' | 'openai';

export interface FuzzAnswer {
  status: number;
  headers: Headers;
  text: string;
}

export function protocolOfPath(path: string): WireProtocol {
  return path.startsWith('/v1/messages') ? 'anthropic' : 'openai';
}

export function checkFuzzAnswer(answer: FuzzAnswer, protocol: WireProtocol, options: { allowedServerStatuses?: readonly number[] } = {}): string[] {
  const problems: string[] = [];
  if (answer.status >= 500 && !(options.allowedServerStatuses ?? []).includes(answer.status)) problems.push(`status ${answer.status}`);
  if (answer.headers.get('request-id') == null) problems.push('no request-id header');
  const contentType = answer.headers.get('content-type') ?? '';
  if (answer.status >= 400) {
    problems.push(...checkErrorBody(answer.text, protocol));
  } else if (contentType.startsWith('text/event-stream')) {
    problems.push(...checkStream(answer.text, protocol));
  } else {
    try {
      JSON.parse(answer.text);
    } catch {
      problems.push(`a ${answer.status} body that is not JSON: ${answer.text.slice(0, 80)}`);
    }
  }
  return problems;
}

function checkErrorBody(text: string, protocol: WireProtocol): string[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [`error body is not JSON: ${text.slice(0, 80)}`];
  }
  return errorShapeProblems(body, protocol);
}

function errorShapeProblems(body: unknown, protocol: WireProtocol): string[] {
  const value = body as { type?: unknown; error?: { type?: unknown; message?: unknown; param?: unknown; code?: unknown }; request_id?: unknown };
  if (protocol === 'anthropic') {
    if (value.type !== 'error' || typeof value.error?.type !== 'string' || typeof value.error.message !== 'string') {
      return [`not an Anthropic error body: ${JSON.stringify(body).slice(0, 120)}`];
    }
    return [];
  }
  if (typeof value.error?.message !== 'string' || typeof value.error.type !== 'string' || !('param' in value.error) || !('code' in value.error)) {
    return [`not an OpenAI error body: ${JSON.stringify(body).slice(0, 120)}`];
  }
  return [];
}

function checkStream(text: string, protocol: WireProtocol): string[] {
  const problems: string[] = [];
  const frames = text.split('\n\n').filter((frame) => frame.trim() !== '');
  const types: string[] = [];
  for (const frame of frames) {
    const data = frame
      .split('\n')
      .find((line) => line.startsWith('data: '))
      ?.slice(6);
    if (data == null) continue;
    if (data === '[DONE]') {
      types.push('[DONE]');
      continue;
    }
    let event: { type?: unknown; error?: unknown };
    try {
      event = JSON.parse(data) as typeof event;
    } catch {
      problems.push(`a data line that is not JSON: ${data.slice(0, 80)}`);
      continue;
    }
    if (event.error != null && event.type !== 'response.failed') {
      problems.push(...errorShapeProblems(protocol === 'anthropic' ? event : { error: event.error }, protocol));
      types.push('error');
    } else {
      types.push(typeof event.type === 'string' ? event.type : 'chunk');
    }
  }
  const last = types.at(-1);
  const ended = ['message_stop', 'error', '[DONE]', 'response.completed', 'response.incomplete', 'response.failed'].includes(last ?? '');
  if (!ended) problems.push(`stream ended after ${last ?? 'nothing'}`);
  return problems;
}
