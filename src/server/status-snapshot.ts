/**
 * @module
 * What `GET /v1/status` answers and the status page at `/` draws: the CLI and its login, the quota, the processes,
 * the latest requests and the usage per key and model. The page is static; every figure comes from here, behind the
 * proxy's keys when keys are set.
 */

import type { UsageRow } from '../usage/usage-store.ts';

export interface StatusSnapshot {
  /** RFC 3339. */
  generated_at: string;
  proxy: { version: string; uptime_seconds: number; auth: 'keys' | 'open (loopback only)'; usage_database: string | null };
  cli: {
    path: string;
    version: string | null;
    logged_in: boolean | null;
    auth_method: string | null;
    in_tested_range: boolean | null;
    /** Why requests cannot be served, when they cannot. */
    problem: string | null;
  };
  quota: {
    status: string;
    /** The deciding window ('five_hour', 'seven_day', ...). */
    type: string | null;
    /** 0..1, when the CLI reported it. */
    utilization: number | null;
    resets_at: string | null;
    windows: Record<string, { status: string | null; utilization: number | null; resets_at: string | null }>;
    updated_at: string;
  } | null;
  processes: {
    running: number;
    queued: number;
    max_concurrent: number;
    warm: number;
    kept: number;
    held: number;
    idle_memory_mb: { warm: number; kept: number; held: number; budget: number };
  };
  /** The subscription accounts (ACCOUNTS_DIR), empty without any: the CLI's own login serves. */
  accounts: AccountStatus[];
  /** Newest first, at most 50: what this process served since it started. */
  recent_requests: RecentRequest[];
  /** One row per UTC day, key and model for the last 14 days (oldest first): kept across restarts. */
  usage: UsageDay[];
}

export interface AccountStatus {
  name: string;
  kind: 'token' | 'login';
  logged_in: boolean | null;
  quota: { status: string; type: string | null; utilization: number | null; resets_at: string | null } | null;
  /** RFC 3339, while the account rests after a rejection. */
  cooling_until: string | null;
  turns: number;
  rejections: number;
}

export interface RecentRequest {
  at: string;
  request_id: string;
  /** The key's name (PROXY_API_KEYS=name:key), `key N` for an unnamed key, `-` without keys. */
  key: string;
  api: 'messages' | 'chat' | 'responses';
  model: string;
  /** How the turn was served: cold, warm, kept, held, rewound, warm-late-settings; null when it got no process. */
  served: string | null;
  status: number;
  stream: boolean;
  ttft_ms: number | null;
  duration_ms: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

/** One UTC day, key and model of usage accounting. */
export type UsageDay = UsageRow;
