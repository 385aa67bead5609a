/**
 * @module
 * GET / (and GET /dashboard, which redirects there): the status page, a static HTML file that holds no data and
 * draws what `GET /v1/status` answers. The file is read once, when the app is built; its inline script and style are
 * allowed by their SHA-256 hashes in a Content-Security-Policy that lets the page load nothing else and talk only to
 * the proxy itself.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

/** The same path from src/server/routes and from the built dist/server/routes. */
const STATUS_PAGE_FILE = new URL('../../../static/status.html', import.meta.url);

export function registerStatusPage(app: FastifyInstance): void {
  const html = readFileSync(STATUS_PAGE_FILE, 'utf8');
  const headers = {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': contentSecurityPolicy(html),
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  };
  app.get('/', async (_request, reply) => reply.headers(headers).send(html));
  app.get('/dashboard', async (_request, reply) => reply.redirect('/'));
}

/** Nothing but the page's own inline script and style (by hash), fetches to the proxy and a data: favicon. */
export function contentSecurityPolicy(html: string): string {
  const hashes = (tag: string): string =>
    [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((match) => `'sha256-${sha256(match[1] ?? '')}'`).join(' ');
  return [
    "default-src 'none'",
    `script-src ${hashes('script')}`,
    `style-src ${hashes('style')}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}
