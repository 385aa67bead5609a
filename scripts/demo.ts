/**
 * `npm run demo`: one streamed exchange through the whole stack, offline and without logging in:
 * Anthropic SDK → claude-cli-proxy → real `claude` CLI → a fake Anthropic upstream on loopback.
 */
import Anthropic from '@anthropic-ai/sdk';
import { textReply } from '../test/support/fake-upstream.ts';
import { startTestProxy } from '../test/support/start-test-proxy.ts';

const proxy = await startTestProxy();
const answer = 'Arrr, the sea be calm today, matey.';
proxy.upstream.setDefault(textReply(answer, { chunks: answer.split(/(?<= )/), eventGapMs: 60 }));

const client = new Anthropic({ baseURL: proxy.url, apiKey: 'demo' });
const request = {
  model: 'sonnet',
  max_tokens: 256,
  system: 'You are a pirate. Answer in one sentence.',
  messages: [
    { role: 'user' as const, content: 'Ahoy!' },
    { role: 'assistant' as const, content: 'Ahoy, matey!' },
    { role: 'user' as const, content: 'How is the sea today?' },
  ],
};

console.log(`proxy ${proxy.url}  (real claude CLI ${proxy.config.claudePath})`);
console.log(`fake upstream ${proxy.upstream.url}\n`);
console.log('client → POST /v1/messages (stream):', JSON.stringify(request), '\n');

const stream = client.messages.stream(request);
stream.on('streamEvent', (event) => console.log(`  event: ${event.type}`));
stream.on('text', (text) => console.log(`    text_delta ${JSON.stringify(text)}`));
const message = await stream.finalMessage();
console.log('\nfinalMessage():', JSON.stringify(message, null, 2));

const [seen] = proxy.upstream.modelRequests();
console.log('\nwhat the upstream model received:');
console.log(
  JSON.stringify(
    { model: seen?.body.model, max_tokens: seen?.body.max_tokens, system: seen?.body.system, messages: seen?.body.messages, tools: seen?.body.tools },
    null,
    2,
  ),
);
await proxy.close();
