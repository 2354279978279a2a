// A real SMTP server for tests (smtp-server, speaking the protocol over TCP on an ephemeral port): it keeps
// every message it accepted, raw, and can be told to hold a message's answer (to kill a sender mid-send).
import type { AddressInfo, Server as NetServer } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  raw: string;
  from: string;
  to: string[];
  header(name: string): string | undefined;
  body: string;
}

export interface TestSmtp {
  url: string;
  port: number;
  received: ReceivedMail[];
  /** Called when a whole message has arrived, before the server answers 250; return false to never answer. */
  onMessage?: (m: ReceivedMail) => boolean | void;
  close(): Promise<void>;
}

export function parseMail(raw: string, from = '', to: string[] = []): ReceivedMail {
  const split = raw.indexOf('\r\n\r\n') >= 0 ? raw.indexOf('\r\n\r\n') : raw.indexOf('\n\n');
  const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
  const body = raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  return { raw, from, to, header: (n) => headers.get(n.toLowerCase()), body };
}

export async function startSmtp(): Promise<TestSmtp> {
  const t: TestSmtp = { url: '', port: 0, received: [], close: async () => {} };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const m = parseMail(
          Buffer.concat(chunks).toString('utf8'),
          session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          session.envelope.rcptTo.map((r) => r.address),
        );
        t.received.push(m);
        if (t.onMessage?.(m) === false) return; // never answered: the sender dies waiting
        callback();
      });
    },
  });
  server.on('error', () => {});
  const listening = await new Promise<NetServer>((r) => {
    const s = server.listen(0, '127.0.0.1', () => r(s));
  });
  t.port = (listening.address() as AddressInfo).port;
  t.url = `smtp://127.0.0.1:${t.port}`;
  t.close = () => new Promise<void>((r) => server.close(() => r()));
  return t;
}
