// Configuration from the environment, validated at start: a bad value stops the process naming the variable.
// With no secrets set (development), they are generated once, kept in DATA_DIR/dev-secrets.json, and shown.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { GROUP_COMMIT_DEFAULTS } from '../runtime/batch.ts';
import { parseSchedule } from '../runtime/verify.ts';

export const DEFAULT_MAIL_FROM = 'Accounts Receivable <ar@disputeflow.localhost>';
export const DEFAULT_AR_QUEUE_EMAIL = 'ar@disputeflow.localhost';

const Env = z.object({
  DATABASE_URL: z.string().url('must be a postgres:// URL').optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  PORT: z.coerce.number().int('must be a whole number').min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  APPROVER_TOKENS: z
    .string()
    .regex(/^[A-Za-z0-9_.@-]+:[^,:\s]{16,}(,[A-Za-z0-9_.@-]+:[^,:\s]{16,})*$/, 'must be name:token[,name:token] with tokens of 16+ characters')
    .optional(),
  VERIFY_SCHEDULE: z
    .string()
    .min(1)
    .default('8,38 * * * *')
    .refine((s) => {
      try {
        parseSchedule(s);
        return true;
      } catch {
        return false;
      }
    }, 'must be a 5-field cron expression such as "8,38 * * * *"'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  BODY_LIMIT_KB: z.coerce.number().int().min(1).max(10_240).default(256),
  // Two at least: a verify check runs on its own connection while the scheduler holds the check's row.
  DB_POOL_MAX: z.coerce.number().int().min(2, 'must be at least 2').max(100).default(10),
  // Group commit (runtime/batch.ts): the most starts and events in one transaction (1: each its own), and the
  // most such transactions open at once; fewer than the pool, which the pages, pollers and checks share.
  ENGINE_BATCH: z.coerce.number().int('must be a whole number').min(1).max(64).default(GROUP_COMMIT_DEFAULTS.batch),
  ENGINE_TRANSACTIONS: z.coerce.number().int('must be a whole number').min(1).max(99).default(GROUP_COMMIT_DEFAULTS.transactions),
  NOTIFY_WEBHOOK_URL: z.string().url('must be an http(s) URL').regex(/^https?:/, 'must be an http(s) URL').optional(),
  NOTIFY_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s/]+(:\d+)?\/?(\?\S*)?$/, 'must be smtp://[user:pass@]host[:port] or smtps://…')
    .optional(),
  MAIL_FROM: z
    .string()
    .max(320)
    .regex(/^([^<>\r\n]*<)?[^\s@<>]+@[^\s@<>]+>?$/, 'must be an address, e.g. "Accounts Receivable <ar@example.com>"')
    .default(DEFAULT_MAIL_FROM),
  AR_QUEUE_EMAIL: z.string().regex(/^[^\s@<>]+@[^\s@<>]+$/, 'must be an email address').optional(),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').regex(/^\S+$/, 'must not contain spaces').optional(),
  DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  STATELY_INSPECT: z
    .string()
    .regex(/^(0|1|true|false|wss?:\/\/\S+)$/, 'must be 1 (run the local Stately relay), 0, or the ws:// URL of a Stately inspector relay')
    .optional(),
  PRECONDITION_SEVERITY: z
    .string()
    .regex(/^[a-z_]+=(warn|block)(,[a-z_]+=(warn|block))*$/, 'must be check=warn|block[,check=warn|block]')
    .optional(),
});

export interface Config {
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  host: string;
  webhookSecret: string;
  approvers: Map<string, string>; // token → approver name
  verifySchedule: string;
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
  bodyLimitKb: number;
  dbPoolMax: number;
  /** ENGINE_BATCH: the most starts and events one engine transaction takes together (runtime/batch.ts). */
  engineBatch: number;
  /** ENGINE_TRANSACTIONS: the most engine transactions open at once (below DB_POOL_MAX). */
  engineTransactions: number;
  generatedSecretsFile: string | null;
  preconditionSeverity: Record<string, 'warn' | 'block'>;
  notifyUrl: string | undefined;
  notifySecret: string;
  /** SMTP_URL: approved mail goes to this server; unset, it is written as .eml files under DATA_DIR/mail/. */
  smtpUrl: string | undefined;
  mailFrom: string;
  /** AR_QUEUE_EMAIL: where an escalation goes when the account has no sales rep (default: MAIL_FROM's address). */
  arQueueEmail: string;
  deliveryTimeoutMs: number;
  /** METRICS_TOKEN: a bearer token that may read GET /metrics only (approver tokens may too). */
  metricsToken: string | undefined;
  /** STATELY_INSPECT (runtime/inspection.ts): stream runs to Stately's inspector; off when unset. */
  statelyInspect: string | undefined;
}

export class ConfigError extends Error {
  readonly code = 'config_error';
}

export function parseApprovers(spec: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of spec.split(',')) {
    const i = pair.indexOf(':');
    map.set(pair.slice(i + 1), pair.slice(0, i));
  }
  return map;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = Env.safeParse(cleaned);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `${String(i.path[0])} ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${msg}`);
  }
  const e = parsed.data;
  if (e.ENGINE_TRANSACTIONS >= e.DB_POOL_MAX) {
    throw new ConfigError(`invalid configuration: ENGINE_TRANSACTIONS must be below DB_POOL_MAX (${e.DB_POOL_MAX}): the pages, schedulers and checks need connections too`);
  }
  let secretsFile: string | null = null;
  let webhookSecret = e.WEBHOOK_SECRET;
  let approvers = e.APPROVER_TOKENS;
  if (!webhookSecret || !approvers) {
    secretsFile = path.resolve(e.DATA_DIR, 'dev-secrets.json');
    const dev = devSecrets(secretsFile);
    webhookSecret ??= dev.webhook_secret;
    approvers ??= `${dev.approver}:${dev.approver_token}`;
  }
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    port: e.PORT,
    host: e.HOST,
    webhookSecret,
    approvers: parseApprovers(approvers),
    verifySchedule: e.VERIFY_SCHEDULE,
    logLevel: e.LOG_LEVEL,
    bodyLimitKb: e.BODY_LIMIT_KB,
    dbPoolMax: e.DB_POOL_MAX,
    engineBatch: e.ENGINE_BATCH,
    engineTransactions: e.ENGINE_TRANSACTIONS,
    generatedSecretsFile: secretsFile,
    notifyUrl: e.NOTIFY_WEBHOOK_URL,
    notifySecret: e.NOTIFY_WEBHOOK_SECRET ?? webhookSecret,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    arQueueEmail: e.AR_QUEUE_EMAIL ?? (/<([^<>]+)>/.exec(e.MAIL_FROM)?.[1] ?? e.MAIL_FROM),
    deliveryTimeoutMs: e.DELIVERY_TIMEOUT_MS,
    metricsToken: e.METRICS_TOKEN,
    statelyInspect: e.STATELY_INSPECT,
    preconditionSeverity: Object.fromEntries(
      (e.PRECONDITION_SEVERITY ?? '').split(',').filter(Boolean).map((kv) => kv.split('=') as [string, 'warn' | 'block']),
    ),
  };
}

interface DevSecrets {
  webhook_secret: string;
  approver: string;
  approver_token: string;
  created: boolean;
}

function devSecrets(file: string): DevSecrets {
  if (existsSync(file)) return Object.assign({}, JSON.parse(readFileSync(file, 'utf8')) as DevSecrets, { created: false });
  const s = { webhook_secret: randomBytes(24).toString('hex'), approver: 'mike', approver_token: randomBytes(24).toString('hex') };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(s, null, 2) + '\n', { mode: 0o600 });
  return Object.assign({}, s, { created: true });
}
