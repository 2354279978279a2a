// Where approved mail goes: a real SMTP server (SMTP_URL), or, with no setup, RFC 822 files under
// DATA_DIR/mail/ holding the bytes SMTP would carry. Both build the message with nodemailer from the
// payload fixed at the decision (same Message-ID, same Date on every attempt).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { MailPayload } from '../persistence/deliveries.ts';

export interface Mailer {
  readonly kind: 'smtp' | 'folder';
  /** Resolves when the server accepted the message (or the file is written); throws otherwise. */
  send(mail: MailPayload): Promise<{ detail: string }>;
  close(): void;
}

const message = (m: MailPayload) => ({
  from: m.from,
  to: m.to,
  subject: m.subject,
  text: m.text,
  messageId: m.message_id,
  date: new Date(m.date),
  ...(m.in_reply_to ? { inReplyTo: m.in_reply_to, references: m.references ?? m.in_reply_to } : {}),
});

export function smtpMailer(url: string, timeoutMs: number): Mailer {
  // nodemailer reads host, port, secure (smtps:) and credentials from the URL; every wait is bounded.
  const transport = nodemailer.createTransport({ url, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs });
  return {
    kind: 'smtp',
    async send(m) {
      const info = await transport.sendMail(message(m));
      if (info.rejected.length) throw new Error(`the mail server rejected ${info.rejected.join(', ')}`);
      return { detail: String(info.response ?? 'accepted').slice(0, 300) };
    },
    close: () => transport.close(),
  };
}

/** The file a message is written to: its Message-ID, made safe as a file name. */
export const emlName = (messageId: string) => `${messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9._@-]/g, '_')}.eml`;

export function folderMailer(dir: string): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    kind: 'folder',
    async send(m) {
      const info = await transport.sendMail(message(m));
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, emlName(m.message_id));
      // Written whole or not at all: a crash mid-write leaves a temporary file, never half a message.
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, info.message as Buffer, { mode: 0o640 });
      renameSync(tmp, file);
      return { detail: `written to ${file}` };
    },
    close: () => {},
  };
}
